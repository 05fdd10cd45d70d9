#pragma once
// The per-router ECMP seed, shared by the fast path (dataplane/, which
// chooses the member) and the OAM responders' view (oam/TableView, which
// predicts it for a multipath trace), so that both agree bit for bit.
//
// Why a seed: the fast path hashes the labels below the top, and those do
// not change along an LSP. Without a seed every router computes the same
// function of them, so two consecutive 2-way ECMP routers split a flow set
// the same way and some branches are never taken (polarization,
// docs/oam.md). Mixing a per-router value in after the hash gives each
// router its own split. The seed comes from the router id (the loopback
// string, else the router's name): stable from run to run and between the
// control plane, the emulator and a node.

#include <cstdint>
#include <string_view>

namespace l2vpn {

// FNV-1a over the text, then a finalizer so that ids that differ in one
// character give unrelated seeds.
constexpr uint32_t ecmp_seed(std::string_view router_id) {
  uint32_t h = 0x811c9dc5u;
  for (char c : router_id) {
    h ^= uint8_t(c);
    h *= 0x01000193u;
  }
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  return h;
}

// The value the ECMP member is chosen by (modulo the member count): a flow
// hash with the router's seed mixed in. One xor, one multiply, one
// xor-shift: the high bits the multiply fills fold back into the low ones a
// small modulo reads, so different seeds give different splits.
constexpr uint32_t ecmp_mix(uint32_t flow_hash, uint32_t seed) {
  uint32_t h = (flow_hash ^ seed) * 0x2c1b3c6du;
  return h ^ (h >> 16);
}

}  // namespace l2vpn
