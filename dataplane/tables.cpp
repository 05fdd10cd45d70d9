#include "dataplane/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace l2vpn::dp {

namespace {
uint32_t* alloc_chunk() {
  void* p = std::aligned_alloc(4096, kIlmChunkSize * sizeof(uint32_t));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, kIlmChunkSize * sizeof(uint32_t));
  return static_cast<uint32_t*>(p);
}
// "a.b.c.d/len" (or no length: /32) -> address and length.
bool parse_ipv4_prefix(const std::string& text, uint32_t& addr, unsigned& len) {
  unsigned o[4], l = 32;
  char tail = 0;
  int n = std::sscanf(text.c_str(), "%3u.%3u.%3u.%3u/%2u%c", &o[0], &o[1], &o[2], &o[3], &l, &tail);
  if (n != 4 && n != 5) return false;
  if (o[0] > 255 || o[1] > 255 || o[2] > 255 || o[3] > 255 || l > 32) return false;
  addr = o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3];
  len = l;
  return true;
}
}  // namespace

Tables::Tables() {
  miss_chunk_ = alloc_chunk();
  ilm_.fill(miss_chunk_);
}

Tables::~Tables() {
  for (auto* c : ilm_)
    if (c != miss_chunk_) std::free(c);
  std::free(miss_chunk_);
}

void Tables::ilm_set(uint32_t label, uint32_t slot) {
  auto& chunk = ilm_[label >> kIlmChunkBits];
  if (chunk == miss_chunk_) {
    chunk = alloc_chunk();
    ++chunks_allocated_;
  }
  chunk[label & (kIlmChunkSize - 1)] = slot;
}

size_t Tables::memory_bytes() const {
  size_t b = sizeof(*this) + (chunks_allocated_ + 1) * kIlmChunkSize * sizeof(uint32_t);
  b += nhlfes.capacity() * sizeof(CompiledNhlfe) + ecmp_groups.capacity() * sizeof(CompiledEcmp);
  b += pseudowires.capacity() * sizeof(CompiledPseudowire) + acs.capacity() * sizeof(CompiledAc);
  for (auto& p : ports) b += sizeof(p) + p.ac_by_vid.capacity() * sizeof(uint32_t);
  return b;
}

Result<std::unique_ptr<Tables>> compile_tables(
    const ForwardingState& s, const std::unordered_map<std::string, uint16_t>& port_index) {
  if (auto st = validate(s); !st) return st.error();
  auto fail = [&](std::string msg) {
    return Error{fmt::format("router '{}': {}", s.router, msg)};
  };
  auto t = std::make_unique<Tables>();
  t->ecmp_seed = ecmp_seed_of(s);

  // Ports, in the router's port order.
  t->ports.resize(port_index.size());
  for (auto& p : s.ports) {
    auto it = port_index.find(p.name);
    if (it == port_index.end()) return fail(fmt::format("port '{}' is not attached", p.name));
    auto& cp = t->ports[it->second];
    cp.mtu = p.mtu;
    std::memcpy(cp.mac, p.mac.data(), 6);
  }
  auto port_of = [&](const std::string& name) -> uint16_t { return port_index.at(name); };

  std::unordered_map<uint32_t, uint32_t> nhlfe_idx, ecmp_idx, pw_idx, repl_idx, bd_idx;
  for (size_t i = 0; i < s.nhlfes.size(); ++i) nhlfe_idx[s.nhlfes[i].id] = uint32_t(i);
  for (size_t i = 0; i < s.ecmp_groups.size(); ++i) ecmp_idx[s.ecmp_groups[i].id] = uint32_t(i);
  for (size_t i = 0; i < s.pseudowires.size(); ++i) pw_idx[s.pseudowires[i].id] = uint32_t(i);
  for (size_t i = 0; i < s.replication_groups.size(); ++i)
    repl_idx[s.replication_groups[i].id] = uint32_t(i);
  std::unordered_map<std::string, uint32_t> ac_idx, bdn_idx;
  for (size_t i = 0; i < s.attachment_circuits.size(); ++i)
    ac_idx[s.attachment_circuits[i].name] = uint32_t(i);
  for (size_t i = 0; i < s.bridge_domains.size(); ++i) bdn_idx[s.bridge_domains[i].name] = uint32_t(i);

  for (auto& n : s.nhlfes) {
    CompiledNhlfe c;
    c.op = uint8_t(n.op);
    c.n_labels = uint8_t(n.labels.size());
    c.ttl_pipe = n.ttl_mode == TtlMode::pipe;
    c.tc_set = n.tc_mode == TcMode::set;
    c.tc = n.tc;
    c.out_port = port_of(n.out_port);
    c.backup = n.backup_nhlfe ? nhlfe_idx.at(*n.backup_nhlfe) : kNone;
    std::memcpy(c.l2, n.next_hop_mac.data(), 6);
    std::memcpy(c.l2 + 6, s.find_port(n.out_port)->mac.data(), 6);
    for (size_t i = 0; i < n.labels.size(); ++i) c.labels[i] = n.labels[i] << 12;
    t->nhlfes.push_back(c);
  }
  for (auto& c : t->nhlfes)
    if (c.backup != kNone && t->nhlfes[c.backup].backup != kNone)
      t->nhlfes[c.backup].backup = kNone;  // a backup of a backup would chain: one level only

  for (auto& g : s.ecmp_groups) {
    CompiledEcmp c;
    c.n = uint32_t(g.nhlfes.size());
    for (size_t i = 0; i < g.nhlfes.size(); ++i) c.nhlfe[i] = nhlfe_idx.at(g.nhlfes[i]);
    t->ecmp_groups.push_back(c);
  }
  for (auto& g : s.replication_groups) {
    CompiledReplication c;
    for (auto id : g.nhlfes) c.nhlfes.push_back(nhlfe_idx.at(id));
    c.local_pseudowire = g.local_pseudowire ? pw_idx.at(*g.local_pseudowire) : kNone;
    t->replications.push_back(std::move(c));
  }

  auto transport_of = [&](const NextHop& nh, IlmKind& kind, uint32_t& idx) -> bool {
    if (nh.kind == NextHop::Kind::nhlfe) {
      kind = IlmKind::forward;
      idx = nhlfe_idx.at(nh.id);
      return s.find_nhlfe(nh.id)->op == NhlfeOp::push;
    }
    kind = IlmKind::ecmp;
    idx = ecmp_idx.at(nh.id);
    for (auto id : s.find_ecmp(nh.id)->nhlfes)
      if (s.find_nhlfe(id)->op != NhlfeOp::push) return false;
    return true;
  };

  for (auto& p : s.pseudowires) {
    CompiledPseudowire c;
    c.local_label = p.local_label;
    c.remote_label = p.remote_label;
    c.control_word = p.control_word;
    c.flow_label = p.flow_label;
    c.mtu = p.mtu;
    c.up = p.up && p.transport.has_value();
    if (p.transport && !transport_of(*p.transport, c.transport_kind, c.transport))
      return fail(fmt::format("pseudowire {}: transport NHLFEs must be push operations", p.id));
    t->pseudowires.push_back(c);
  }

  for (auto& a : s.attachment_circuits) {
    CompiledAc c;
    c.port = port_of(a.port);
    c.vlan = a.vlan;
    c.tagged = a.mode == AcMode::tagged;
    uint32_t self = uint32_t(t->acs.size());
    if (a.pseudowire) {
      c.pseudowire = pw_idx.at(*a.pseudowire);
      auto& pw = t->pseudowires[c.pseudowire];
      if (pw.ac != kNone || pw.bridge_domain != kNone)
        return fail(fmt::format("pseudowire {} is bound to two attachment circuits",
                                *a.pseudowire));
      pw.ac = self;
    }
    if (a.bridge_domain) c.bridge_domain = bdn_idx.at(*a.bridge_domain);
    auto& port = t->ports[c.port];
    port.has_acs = true;
    if (a.vlan == 0) {
      port.port_based_ac = self;
    } else {
      if (port.ac_by_vid.empty()) port.ac_by_vid.assign(4096, kNone);
      port.ac_by_vid[a.vlan] = self;
    }
    t->acs.push_back(c);
  }
  for (size_t b = 0; b < s.bridge_domains.size(); ++b) {
    auto& bd = s.bridge_domains[b];
    auto what = fmt::format("bridge domain '{}'", bd.name);
    CompiledBridgeDomain c;
    c.aging_seconds = bd.aging_seconds;
    c.mac_limit = bd.mac_limit;
    if (bd.flood_rate_pps) {
      c.flood_interval_ns = std::max<uint64_t>(1, 1'000'000'000ull / bd.flood_rate_pps);
      c.flood_burst_ns = std::max<uint64_t>(32, bd.flood_rate_pps / 10) * c.flood_interval_ns;
    }
    auto add_member = [&](bool is_pw, uint32_t index, uint8_t shg) {
      c.members.push_back({is_pw, shg, 0, index});
      return uint32_t(c.members.size() - 1);
    };
    for (size_t a = 0; a < s.attachment_circuits.size(); ++a)
      if (s.attachment_circuits[a].bridge_domain == bd.name)
        t->acs[a].bd_member = add_member(false, uint32_t(a), 0);
    for (auto& name : bd.attachment_circuits) {
      const auto* ac = s.find_ac(name);
      if (ac->bridge_domain != bd.name)
        return fail(fmt::format("{} lists attachment circuit '{}', which is bound elsewhere", what, name));
    }
    auto add_pw = [&](uint32_t id, uint8_t shg) -> bool {
      uint32_t i = pw_idx.at(id);
      auto& pw = t->pseudowires[i];
      if (pw.ac != kNone || pw.bridge_domain != kNone) return false;
      pw.bridge_domain = uint32_t(b);
      pw.bd_member = add_member(true, i, shg);
      return true;
    };
    for (auto id : bd.mesh_pseudowires)
      if (!add_pw(id, 1)) return fail(fmt::format("{}: pseudowire {} is bound twice", what, id));
    for (auto id : bd.spoke_pseudowires)
      if (!add_pw(id, 0)) return fail(fmt::format("{}: pseudowire {} is bound twice", what, id));
    if (c.members.size() > kMaxBridgeMembers)
      return fail(fmt::format("{}: {} members, at most {}", what, c.members.size(), kMaxBridgeMembers));
    if (bd.bum_mode == BumMode::p2mp_tree && bd.p2mp_group) {
      c.p2mp_group = repl_idx.at(*bd.p2mp_group);
      for (auto id : bd.mesh_pseudowires) {
        c.p2mp_control_word = s.find_pseudowire(id)->control_word;
        break;
      }
      for (auto n : t->replications[c.p2mp_group].nhlfes)
        if (NhlfeOp(t->nhlfes[n].op) != NhlfeOp::push || t->nhlfes[n].n_labels == 0)
          return fail(fmt::format("{}: p2mp group {}: root NHLFEs must push labels", what,
                                  *bd.p2mp_group));
    }
    for (auto& m : bd.static_macs) {
      if (m.mac[0] & 1 || m.mac == MacAddr{})
        return fail(fmt::format("{}: static mac {} is not a unicast address", what, to_string(m.mac)));
      bool member = m.pseudowire ? t->pseudowires[pw_idx.at(*m.pseudowire)].bridge_domain == b
                                 : s.find_ac(m.attachment_circuit)->bridge_domain == bd.name;
      if (!member)
        return fail(fmt::format("{}: static mac {} points outside the domain", what, to_string(m.mac)));
    }
    t->bridge_domains.push_back(std::move(c));
  }

  for (auto& e : s.ilm) {
    uint32_t slot = 0;
    switch (e.action) {
      case IlmAction::forward: slot = ilm_slot(IlmKind::forward, nhlfe_idx.at(e.target)); break;
      case IlmAction::ecmp: slot = ilm_slot(IlmKind::ecmp, ecmp_idx.at(e.target)); break;
      case IlmAction::pw_disposition: slot = ilm_slot(IlmKind::pw, pw_idx.at(e.target)); break;
      case IlmAction::pop_and_lookup: slot = ilm_slot(IlmKind::pop_lookup, 0); break;
      case IlmAction::replicate: slot = ilm_slot(IlmKind::replicate, repl_idx.at(e.target)); break;
    }
    t->ilm_set(e.label, slot);
    t->ilm_labels.push_back(e.label);
  }

  for (auto& f : s.ftn) {
    uint32_t addr = 0;
    unsigned len = 0;
    if (!parse_ipv4_prefix(f.fec, addr, len)) continue;  // not an IPv4 FEC: no IP lookup for it
    IlmKind kind;
    uint32_t idx;
    if (!transport_of(f.next_hop, kind, idx)) continue;  // FTN NHLFEs push; anything else is not for IP
    const uint32_t mask = len ? ~uint32_t(0) << (32 - len) : 0;
    (len == 32 ? t->ftn_host : t->ftn_prefix).push_back({addr & mask, mask, ilm_slot(kind, idx)});
  }
  std::sort(t->ftn_host.begin(), t->ftn_host.end(),
            [](const CompiledFtn& a, const CompiledFtn& b) { return a.addr < b.addr; });
  t->ftn_host.erase(std::unique(t->ftn_host.begin(), t->ftn_host.end(),
                                [](const CompiledFtn& a, const CompiledFtn& b) { return a.addr == b.addr; }),
                    t->ftn_host.end());
  std::stable_sort(t->ftn_prefix.begin(), t->ftn_prefix.end(),
                   [](const CompiledFtn& a, const CompiledFtn& b) { return a.mask > b.mask; });
  return t;
}

}  // namespace l2vpn::dp
