#pragma once
// ForwardingState: the one contract between the control plane and the
// dataplane. Plain data for one router: no DPDK, no Boost. The control plane
// emits it; the dataplane compiles it into fast tables. Objects refer to each
// other by stable ids (NHLFE, ECMP group, pseudowire) or names (port,
// attachment circuit, bridge domain) so that two states can be diffed and a
// diff applied. docs/forwarding-state.md describes every field.

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "contract/result.hpp"

namespace l2vpn {

inline constexpr uint32_t kLabelSpace = 1u << 20;   // RFC 3032: 20-bit label
inline constexpr uint32_t kMaxLabel = kLabelSpace - 1;
inline constexpr uint32_t kFirstUnreservedLabel = 16; // 0-15 are reserved
inline constexpr uint32_t kMaxPushLabels = 8;         // deepest push/stack we build

// Reserved labels (RFC 3032, RFC 7274 registry).
inline constexpr uint32_t kLabelIpv4ExplicitNull = 0;
inline constexpr uint32_t kLabelRouterAlert = 1;
inline constexpr uint32_t kLabelIpv6ExplicitNull = 2;
inline constexpr uint32_t kLabelImplicitNull = 3;  // signalled only, never on the wire
inline constexpr uint32_t kLabelEntropyIndicator = 7;  // RFC 6790
inline constexpr uint32_t kLabelGal = 13;               // RFC 5586
inline constexpr uint32_t kLabelOamAlert = 14;
inline constexpr uint32_t kLabelExtension = 15;         // RFC 7274

using MacAddr = std::array<uint8_t, 6>;
std::string to_string(const MacAddr& mac);
std::optional<MacAddr> parse_mac(std::string_view text);

// What an NHLFE does to the label stack (RFC 3031 section 3.10).
enum class NhlfeOp : uint8_t {
  swap,  // replace the top label by labels.back(), push the others above it
  pop,   // remove the top label and send what is left (PHP); labels empty
  push,  // push labels on top of the stack (or onto a bare frame at ingress)
};
// RFC 3443: uniform copies TTL (and TC) between the label and what it
// encloses; pipe leaves the inner value alone and starts pushed labels at 255.
enum class TtlMode : uint8_t { uniform, pipe };
// TC of written labels: copied from the incoming top label, or set to `tc`.
enum class TcMode : uint8_t { copy, set };

struct Port {
  std::string name;
  // DPDK device: devargs of a virtual device ("net_tap0,iface=pe1ac"), a PCI
  // address, or empty when the runtime supplies the port (emulator links).
  std::string device;
  MacAddr mac{};
  uint32_t mtu = 1500;  // largest frame payload (bytes after the MAC header)
  bool operator==(const Port&) const = default;
};

struct Nhlfe {
  uint32_t id = 0;
  NhlfeOp op = NhlfeOp::swap;
  std::vector<uint32_t> labels;  // outermost first
  std::string out_port;
  MacAddr next_hop_mac{};
  TtlMode ttl_mode = TtlMode::uniform;
  TcMode tc_mode = TcMode::copy;
  uint8_t tc = 0;
  // Loop-free alternate (RFC 5286): used while out_port is down, before the
  // control plane has recomputed.
  std::optional<uint32_t> backup_nhlfe;
  bool operator==(const Nhlfe&) const = default;
};

struct EcmpGroup {
  uint32_t id = 0;
  std::vector<uint32_t> nhlfes;  // chosen by a hash over the labels below the top
  bool operator==(const EcmpGroup&) const = default;
};

// Where a labelled frame or a frame to a FEC goes.
struct NextHop {
  enum class Kind : uint8_t { nhlfe, ecmp };
  Kind kind = Kind::nhlfe;
  uint32_t id = 0;
  bool operator==(const NextHop&) const = default;
};

enum class IlmAction : uint8_t {
  forward,         // target: NHLFE id
  ecmp,            // target: ECMP group id
  pw_disposition,  // target: pseudowire id; this is the PW's local label
  pop_and_lookup,  // our own label (non-PHP LSP end): pop, look up the next one
  replicate,       // target: replication group id (a P2MP tree branch or leaf)
};

struct IlmEntry {
  uint32_t label = 0;
  IlmAction action = IlmAction::forward;
  uint32_t target = 0;
  bool operator==(const IlmEntry&) const = default;
};

struct FtnEntry {
  std::string fec;  // "10.255.0.3/32": a PE loopback
  NextHop next_hop;
  bool operator==(const FtnEntry&) const = default;
};

enum class AcMode : uint8_t {
  raw,     // RFC 4448 raw: the service-delimiting VLAN tag is stripped
  tagged,  // RFC 4448 tagged: the tag crosses the PW, its VID rewritten at egress
};

struct AttachmentCircuit {
  std::string name;
  std::string port;
  uint16_t vlan = 0;  // 0: the whole port (port-based AC); else this VID only
  AcMode mode = AcMode::raw;
  std::optional<uint32_t> pseudowire;    // VPWS: the PW's id
  std::optional<std::string> bridge_domain;  // VPLS
  bool operator==(const AttachmentCircuit&) const = default;
};

struct Pseudowire {
  uint32_t id = 0;       // unique within this router; referenced by ILM/AC/BD
  uint32_t pw_id = 0;    // FEC 128 PW id (VC id); the VSI id for VPLS
  std::string peer;      // remote PE
  uint32_t local_label = 0;   // what the peer pushes; our ILM pw_disposition
  uint32_t remote_label = 0;  // what we push
  std::optional<NextHop> transport;  // LSP to the peer; none: PW is down
  bool control_word = false;  // RFC 4385, negotiated: both ends want it
  bool flow_label = false;    // RFC 6391 flow label below the PW label
  uint32_t mtu = 1500;        // largest Ethernet payload carried
  bool up = true;
  std::string down_reason;    // machine-readable, when !up
  bool operator==(const Pseudowire&) const = default;
};

struct StaticMac {
  MacAddr mac{};
  std::string attachment_circuit;        // one of the two
  std::optional<uint32_t> pseudowire;
  bool operator==(const StaticMac&) const = default;
};

enum class BumMode : uint8_t { ingress_replication, p2mp_tree };

// A point-to-multipoint LSP (mLDP style) at one router: one incoming frame
// leaves once on every NHLFE (swap at a branch, push at the root). A leaf or
// bud also disposes one copy locally as if it had arrived on
// `local_pseudowire` (the mesh PW from the tree's root PE), so the bridge
// domain learns the source MAC against that PW.
struct ReplicationGroup {
  uint32_t id = 0;
  std::vector<uint32_t> nhlfes;
  std::optional<uint32_t> local_pseudowire;
  bool operator==(const ReplicationGroup&) const = default;
};

// A VPLS instance on this router (RFC 4762 VSI). The VPLS fast path issue
// fills in the forwarding; the fields are the contract.
struct BridgeDomain {
  std::string name;
  uint32_t vsi_id = 0;
  std::vector<std::string> attachment_circuits;
  std::vector<uint32_t> mesh_pseudowires;   // one split-horizon group
  std::vector<uint32_t> spoke_pseudowires;  // each its own group
  uint32_t mac_limit = 4096;
  uint32_t aging_seconds = 300;
  std::vector<StaticMac> static_macs;
  BumMode bum_mode = BumMode::ingress_replication;
  // p2mp_tree mode at the tree's root: BUM frames from local ACs go once to
  // this replication group (push NHLFEs) instead of once per mesh PW.
  std::optional<uint32_t> p2mp_group;
  // Broadcast, unknown-unicast and multicast frames this domain floods, per
  // second and per worker (a token bucket, depth 1/10 s, at least 32
  // frames); above it they are dropped and counted. 0: no limit.
  uint32_t flood_rate_pps = 0;
  bool operator==(const BridgeDomain&) const = default;
};

struct ForwardingState {
  std::string router;
  std::string router_id;  // loopback address
  std::vector<Port> ports;
  std::vector<Nhlfe> nhlfes;
  std::vector<EcmpGroup> ecmp_groups;
  std::vector<IlmEntry> ilm;
  std::vector<FtnEntry> ftn;
  std::vector<AttachmentCircuit> attachment_circuits;
  std::vector<Pseudowire> pseudowires;
  std::vector<ReplicationGroup> replication_groups;
  std::vector<BridgeDomain> bridge_domains;
  bool operator==(const ForwardingState&) const = default;

  const Port* find_port(std::string_view name) const;
  const Nhlfe* find_nhlfe(uint32_t id) const;
  const EcmpGroup* find_ecmp(uint32_t id) const;
  const Pseudowire* find_pseudowire(uint32_t id) const;
  const AttachmentCircuit* find_ac(std::string_view name) const;
  const BridgeDomain* find_bridge_domain(std::string_view name) const;
  const ReplicationGroup* find_replication_group(uint32_t id) const;
  // The NHLFEs a next hop stands for: one, or an ECMP group's members.
  std::vector<const Nhlfe*> nhlfes_of(const NextHop& next_hop) const;
};

// Every reference resolves, every label is legal, nothing is duplicated.
// The error names the router and the object.
Status validate(const ForwardingState& state);

// JSON: the format `l2vpn forward --state` reads. Strict: unknown keys,
// wrong types and bad values are errors naming the path ("nhlfes[2].op").
std::string to_json(const ForwardingState& state, int indent = 2);
Result<ForwardingState> forwarding_state_from_json(std::string_view text,
                                                   std::string_view source = "<json>");
Result<ForwardingState> load_forwarding_state(const std::string& path);

std::string_view to_string(NhlfeOp op);
std::string_view to_string(TtlMode mode);
std::string_view to_string(TcMode mode);
std::string_view to_string(IlmAction action);
std::string_view to_string(AcMode mode);
std::string_view to_string(BumMode mode);

// Printable: the JSON form, so two states print and compare the same way.
std::ostream& operator<<(std::ostream& os, const ForwardingState& state);

}  // namespace l2vpn
