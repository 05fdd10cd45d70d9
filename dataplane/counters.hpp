#pragma once
// Counters of the fast path. Every drop goes to a named reason, so that per
// router: received = forwarded + sum of drops (+ replicas created, for
// flooding; + OAM frames sent, - OAM frames punted, when the punt is on;
// - frames left to the kernel and the kernel's own, on ports it shares).
// Counters are per worker (lcore) and summed when read: no shared writes
// on the hot path.

#include <array>
#include <cstdint>
#include <string_view>

namespace l2vpn::dp {

// X(name, description)
#define L2VPN_DROP_REASONS(X)                                                              \
  X(truncated, "frame too short for the headers it announces")                             \
  X(too_many_vlan_tags, "more than two VLAN tags")                                         \
  X(not_mpls, "non-MPLS frame on a port without attachment circuits")                      \
  X(label_stack_too_deep, "label stack deeper than 8 entries")                             \
  X(ilm_miss, "top label not in the ILM")                                                  \
  X(ttl_expired, "MPLS TTL expired (0 or 1 on a label to forward)")                        \
  X(implicit_null_on_wire, "label 3 (implicit null) received: never valid on the wire")    \
  X(reserved_label, "reserved label 0-15 we do not serve (router alert, GAL, OAM, ...)")   \
  X(ip_payload_not_served, "stack popped down to an IP payload: no IP routing here")       \
  X(bad_entropy_label, "entropy label indicator without an entropy label below it")        \
  X(mtu_exceeded, "frame larger than the out port MTU")                                    \
  X(port_down, "out port down and no loop-free alternate")                                 \
  X(tx_full, "out port queue full")                                                        \
  X(ac_miss, "frame on an AC port matched no attachment circuit (port, VLAN)")             \
  X(ac_tag_missing, "tagged-mode AC or PW frame without a VLAN tag")                       \
  X(pw_down, "pseudowire down or without transport LSP")                                   \
  X(pw_mtu_exceeded, "AC frame payload larger than the PW MTU")                            \
  X(pw_bad_stack, "PW label not at the bottom (or flow label missing/unexpected)")         \
  X(cw_invalid, "control word missing, with a first nibble other than 0, or too long")  \
  X(pw_payload_truncated, "PW payload shorter than an Ethernet header")                    \
  X(no_headroom, "no mbuf headroom to push headers")                                       \
  X(unsupported_action, "ILM action this router does not serve")                          \
  X(split_horizon, "bridged frame's only way out is a member of its split-horizon group")  \
  X(bd_same_port, "known unicast destination is behind the member it came from")           \
  X(bd_flood_empty, "flooded frame had no other member to go to")                          \
  X(flood_rate_limited, "bridge domain flood rate limit exceeded")                         \
  X(bd_bad_source, "bridged frame with a multicast or all-zero source MAC")                \
  X(replica_no_mbuf, "no mbuf for a replica (flood or P2MP copy)")                        \
  X(oam_rate_limited, "OAM frame for the punt over its rate limit (docs/oam.md)")           \
  X(oam_queue_full, "OAM punt ring full")

enum class DropReason : uint8_t {
#define L2VPN_X(name, desc) name,
  L2VPN_DROP_REASONS(L2VPN_X)
#undef L2VPN_X
      count
};
inline constexpr size_t kDropReasonCount = size_t(DropReason::count);

inline constexpr std::array<std::string_view, kDropReasonCount> kDropReasonNames{
#define L2VPN_X(name, desc) #name,
    L2VPN_DROP_REASONS(L2VPN_X)
#undef L2VPN_X
};
inline constexpr std::array<std::string_view, kDropReasonCount> kDropReasonDescriptions{
#define L2VPN_X(name, desc) desc,
    L2VPN_DROP_REASONS(L2VPN_X)
#undef L2VPN_X
};

struct PortStats {
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t tx_packets = 0, tx_bytes = 0;
  // Ports the kernel shares (af_packet beside it, Router::set_port_kernel):
  // frames received that are not ours (IPv4, ARP, the IGP, LDP: the
  // kernel has its own copy) and frames the kernel itself sent out of the
  // port (af_packet sees them too), neither forwarded nor dropped.
  uint64_t to_kernel = 0, kernel_tx_seen = 0;
  // Exception path (Router::set_port_exception): on a port the fast path
  // owns, frames that are not MPLS sent into its tap (`punted`, part of
  // `forwarded`); on the tap, the kernel's IPv4 frames that left labelled
  // by the FTN (`ftn_labelled`; the rest left unlabelled by the phy).
  uint64_t punted = 0, ftn_labelled = 0;
  PortStats& operator+=(const PortStats& o) {
    rx_packets += o.rx_packets;
    rx_bytes += o.rx_bytes;
    tx_packets += o.tx_packets;
    tx_bytes += o.tx_bytes;
    to_kernel += o.to_kernel;
    kernel_tx_seen += o.kernel_tx_seen;
    punted += o.punted;
    ftn_labelled += o.ftn_labelled;
    return *this;
  }
};

// Per incoming label: ILM hits. For a pseudowire, keyed by its local label:
// rx = disposition, tx = imposition.
struct LabelStats {
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t tx_packets = 0, tx_bytes = 0;
  LabelStats& operator+=(const LabelStats& o) {
    rx_packets += o.rx_packets;
    rx_bytes += o.rx_bytes;
    tx_packets += o.tx_packets;
    tx_bytes += o.tx_bytes;
    return *this;
  }
};

struct RouterStats {
  uint64_t rx_packets = 0;        // frames taken from ports
  uint64_t forwarded = 0;         // frames handed to an out port (tx accepted)
  uint64_t lfa_used = 0;          // forwarded over a loop-free alternate
  // Copies made by flooding and P2MP replication beyond the first, so that
  // rx_packets + replicas = forwarded + total_drops().
  uint64_t replicas = 0;
  // OAM punt (docs/oam.md), when enabled: frames handed to the control
  // thread, and frames it sent (rx + replicas + oam_sent = forwarded +
  // drops + oam_punted).
  uint64_t oam_punted = 0;
  uint64_t oam_sent = 0;
  // Ports the kernel shares (PortStats): rx + replicas + oam_sent =
  // forwarded + drops + oam_punted + to_kernel + kernel_tx_seen.
  uint64_t to_kernel = 0;
  uint64_t kernel_tx_seen = 0;
  std::array<uint64_t, kDropReasonCount> drops{};
  uint64_t total_drops() const {
    uint64_t s = 0;
    for (auto d : drops) s += d;
    return s;
  }
  RouterStats& operator+=(const RouterStats& o) {
    rx_packets += o.rx_packets;
    forwarded += o.forwarded;
    lfa_used += o.lfa_used;
    replicas += o.replicas;
    oam_punted += o.oam_punted;
    oam_sent += o.oam_sent;
    to_kernel += o.to_kernel;
    kernel_tx_seen += o.kernel_tx_seen;
    for (size_t i = 0; i < kDropReasonCount; ++i) drops[i] += o.drops[i];
    return *this;
  }
  uint64_t drop(DropReason r) const { return drops[size_t(r)]; }
};

// Per bridge domain (VPLS instance). The fast-path ones are per worker and
// summed when read; aged/flushed come from the control thread.
#define L2VPN_BD_COUNTERS(X)                                                          \
  X(learned, "MACs learned")                                                          \
  X(moved, "MACs moved to another member")                                            \
  X(aged, "MACs aged out")                                                            \
  X(flushed, "MACs flushed (member down or removed, MAC withdraw)")                   \
  X(limit_hits, "frames whose source was not learned: domain at its MAC limit")       \
  X(global_limit_hits, "frames whose source was not learned: router at its MAC limit") \
  X(static_kept, "frames from a MAC that is static behind another member")            \
  X(known_unicast, "frames to a known MAC")                                           \
  X(unknown_unicast, "frames to an unknown unicast MAC (flooded)")                    \
  X(bum, "broadcast and multicast frames (flooded)")                                  \
  X(flooded, "frames flooded")                                                        \
  X(flood_copies, "copies sent by flooding")                                          \
  X(split_horizon, "copies not sent: split horizon")                                  \
  X(rate_limited, "flooded frames dropped by the rate limit")

struct BdStats {
#define L2VPN_X(name, desc) uint64_t name = 0;
  L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
  BdStats& operator+=(const BdStats& o) {
#define L2VPN_X(name, desc) name += o.name;
    L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
    return *this;
  }
};

// Per bridge-domain member (an AC or a PW in the domain). Frames in and out
// per member are the port counters (ACs) and the PW label counters: not
// counted twice on the hot path.
struct BdMemberStats {
  uint64_t tx_flood = 0;        // flooded copies sent to it
  uint64_t learned = 0;         // MACs learned (or moved) behind it
  uint64_t split_horizon = 0;   // copies from it not sent: split horizon
  BdMemberStats& operator+=(const BdMemberStats& o) {
    tx_flood += o.tx_flood;
    learned += o.learned;
    split_horizon += o.split_horizon;
    return *this;
  }
};

}  // namespace l2vpn::dp
