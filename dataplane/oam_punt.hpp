#pragma once
// The OAM punt (docs/oam.md): frames the fast path would drop that carry
// MPLS OAM for this router go to a ring a control thread drains instead,
// rate-limited per worker; what that thread answers goes back out through
// a second ring that worker 0 sends from at its next flush(). Off by
// default: nothing is classified, punted or counted until enabled.
//
// Punted: a labelled frame whose TTL expires here (forward_labelled's
// ttl_expired), a stack that ends here above an IP payload (explicit null,
// ELI + entropy label, our own pop-and-lookup label: ip_payload_not_served),
// a PW frame with an ACH where the control word goes (VCCV type 1:
// cw_invalid), an unlabelled IPv4 frame on a core port (the egress after
// PHP: not_mpls); each only when what follows the stack is OAM: IPv4/UDP to
// or from port 3503 (LSP ping), to 3784 or 4784 (BFD), or an ACH carrying
// those or raw BFD. Anything else is dropped for the usual reason.
//
// The classifiers are plain byte readers, testable without DPDK.

#include <cstdint>

namespace l2vpn::dp {

enum class OamPuntReason : uint8_t {
  ttl_expired = 1,  // the top label's TTL ran out here (traceroute, T flag)
  local = 2,        // the stack ends at this router (the LSP's egress)
  vccv = 3,         // a PW's associated channel (ACH below the PW label)
  unlabelled = 4,   // an IPv4 frame on a core port (egress after PHP)
};

enum class OamPayload : uint8_t { none, lsp_ping, bfd };

struct OamPuntConfig {
  bool enabled = false;
  uint32_t rate_pps = 1000;  // per worker; token bucket (GCRA)
  uint32_t burst = 64;       // frames the bucket holds
  uint32_t queue = 1024;     // frames the punt ring (and the send ring) hold
};

// What an IPv4 packet at `p` is (UDP 3503 either way, UDP 3784/4784 to).
OamPayload classify_ipv4(const uint8_t* p, uint32_t len);
// What follows a label stack starting at `p`: walks to the bottom of stack
// (at most 8 entries), then an IPv4 packet or an ACH (channel 0x0021 IPv4,
// 0x0007 raw BFD).
OamPayload classify_labelled(const uint8_t* p, uint32_t len);
// An LSP ping to 127/8 (an echo request after PHP, RFC 8029's destination):
// on a port the kernel shares, the kernel drops it as a martian, so the
// punt takes it (`l2vpn node`); a reply to our address stays the kernel's.
bool lsp_ping_to_loopback_net(const uint8_t* p, uint32_t len);

}  // namespace l2vpn::dp
