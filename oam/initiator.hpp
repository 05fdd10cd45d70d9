#pragma once
// What an LSP ping / traceroute initiator decides (RFC 8029 sections 4.3
// and 4.6), without sockets or frames: the label stack of a request (the
// FTN's labels with the TTL of the probe, ELI + an entropy label for a
// multipath trace), the initiator's own DDMAP, the text of a return code,
// and from a transit reply the probes of the next TTL (one per ECMP branch
// with multipath, each with the part of the label set that takes it; else
// the branch the responder's fast path hashes a stack with nothing below
// the LSP label to). `l2vpn node` uses it (node/oam_node.cpp); the
// emulator's agent (sim/oam_agent.cpp) does the same steps on its own.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oam/lsp_ping.hpp"

namespace l2vpn::oam {

// A multipath trace offers these entropy labels (RFC 6790) as a bit-masked
// label set (multipath type 9).
inline constexpr uint32_t kTraceEntropyBase = 4096;
inline constexpr uint32_t kTraceEntropyCount = 256;
std::vector<uint32_t> trace_entropy_labels();

// The label stack entries of a request, top first: `labels` (the FTN's,
// outermost first) with TTL `ttl`, then with `entropy` non-empty ELI (TTL
// `ttl`) and its first label (TTL 0); bottom of stack on the last.
std::vector<uint32_t> request_stack(const std::vector<uint32_t>& labels, uint8_t ttl,
                                    const std::vector<uint32_t>& entropy = {});

// The initiator's own downstream (RFC 8029 4.3): the next hop's router id,
// the port's MTU, the labels pushed toward it (implicit null, 3, when none),
// and the label set when `entropy` is not empty.
Ddmap initiator_ddmap(uint32_t next_hop, uint16_t mtu, const std::vector<uint32_t>& labels,
                      const std::vector<uint32_t>& entropy = {});

// "label switched at stack-depth 1": the RFC's text with <RSC> replaced by
// the subcode.
std::string return_text(uint8_t code, uint8_t subcode);

// The probe a trace sends next after a "label switched" (8) reply.
struct NextProbe {
  size_t ddmap = 0;                  // which of the reply's DDMAPs (the branch)
  std::optional<uint32_t> in_label;  // what the next router should receive (none: PHP)
  std::vector<uint32_t> entropy;     // multipath: the part of the set taking this branch
  Ddmap asked;                       // the DDMAP to send (return code cleared)
  bool unreached = false;            // multipath: no label of the set takes this branch
};
// Empty when the reply has no DDMAP. Without multipath: one probe, the
// branch ecmp_mix(TableView::ecmp_hash({}), responder_seed) picks.
std::vector<NextProbe> next_probes(const EchoPacket& reply, bool multipath, uint32_t responder_seed);

// Unix time in nanoseconds as NTP seconds and fraction (RFC 8029 timestamps).
void ntp_time(uint64_t unix_ns, uint32_t& seconds, uint32_t& fraction);

}  // namespace l2vpn::oam
