#pragma once
// Pseudowire signalling in the style of RFC 4447 / RFC 8077 (FEC 128): every
// PW end allocates its own PW label and "sends" it with its PW type, MTU and
// control-word wish; the PW comes up only when both ends agree and a
// transport LSP to the peer exists. Anything down carries a machine-readable
// reason (the strings in pw_down), as FRR's ldpd keeps one per pseudowire.
//
// Planning (labels, ids, which ends exist) depends only on the topology, so a
// failure never renumbers a PW; signalling (up or down, transport) is redone
// on every computation.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "contract/result.hpp"
#include "controlplane/igp.hpp"
#include "controlplane/ldp.hpp"
#include "controlplane/plan.hpp"

namespace l2vpn::cp {

namespace pw_down {
inline constexpr std::string_view no_lsp = "no_lsp";            // no transport LSP to the peer
inline constexpr std::string_view mtu_mismatch = "mtu_mismatch";  // the ends signalled different MTUs
inline constexpr std::string_view type_mismatch = "type_mismatch";  // raw (0x0005) vs tagged (0x0004)
inline constexpr std::string_view ac_down = "ac_down";          // our attachment circuit is down
inline constexpr std::string_view remote_down = "remote_down";  // peer PE down, or its AC down
inline constexpr std::string_view standby = "standby";          // H-VPLS second hub while the first is up
}  // namespace pw_down

// RFC 4446 PW types for Ethernet (RFC 4448).
enum class PwType : uint16_t { ethernet_tagged = 0x0004, ethernet = 0x0005 };
inline PwType pw_type(AcMode mode) {
  return mode == AcMode::tagged ? PwType::ethernet_tagged : PwType::ethernet;
}

// What one end signals.
struct PwEndConfig {
  PwType type = PwType::ethernet;
  uint32_t mtu = 1500;
  bool control_word = true;  // wanted
  bool flow_label = false;   // wanted
  bool ac_up = true;
  bool operator==(const PwEndConfig&) const = default;
};

struct PwNegotiation {
  bool up = false;
  std::string_view down_reason;  // empty when up
  bool control_word = false;     // used only if both ends want it
  bool flow_label = false;       // likewise
  uint32_t mtu = 1500;
  bool labels_exchanged = false;  // the peer's label mapping arrived
};

// The outcome at the `local` end. Reasons in order of precedence: the peer
// router is down (remote_down), no LSP to it (no_lsp), PW type, MTU, our AC
// (ac_down), the peer's AC (remote_down).
PwNegotiation negotiate(const PwEndConfig& local, const PwEndConfig& remote, bool peer_up,
                        bool lsp_to_peer);

enum class PwKind : uint8_t { vpws, vpls_mesh, vpls_spoke };
std::string_view to_string(PwKind kind);

// One end of a planned PW.
struct PwEndPlan {
  uint32_t router = 0;
  uint32_t peer = 0;
  uint32_t other = 0;     // index of the peer's end in ServicePlan::ends
  PwKind kind = PwKind::vpws;
  uint32_t service = 0;   // index into Topology::vpws or Topology::vpls
  uint32_t pw_id = 0;     // FEC 128 PW id; the VSI id for VPLS
  uint32_t id = 0;        // Pseudowire::id on this router
  uint32_t local_label = 0;
  uint32_t site = kNoIndex;  // VPWS: the local site (Topology::sites index)
  bool standby = false;      // spoke to the second hub
  uint32_t primary = kNoIndex;  // standby spoke: the same-side end of the primary spoke
  PwEndConfig config;
};

// A VPLS instance after planning: who is in the mesh, who hangs off spokes.
struct VplsPlan {
  uint32_t service = 0;
  std::vector<uint32_t> members;            // mesh PEs (router indexes, ascending)
  std::vector<uint32_t> mtu_s;              // H-VPLS MTU-s routers
  std::vector<std::vector<uint32_t>> sites; // per router index in members+mtu_s order: site indexes
  uint32_t first_tree_slot = 0;             // p2mp_tree: member k's tree uses slot first_tree_slot + k
};

// P2MP tree slots of one instance: [first, first + count).
struct TreeSlot {
  uint32_t first = 0, count = 0;
};
using TreeSlots = std::map<std::string, TreeSlot>;  // by VPLS name

// Labels per P2MP tree slot at every router; the tree's version picks one.
// A version stands for one shape (branches, leaves) of the slot's tree: when
// a failure or a repair changes the shape, the tree moves to the version of
// that shape if it is remembered, else to the least recently used other
// version. A copy in flight that arrives with the label of an older shape is
// then dropped where it arrives (no ILM entry), or replicated exactly as
// that shape would (its shape is back), never by another shape: a leaf
// reached both ways got it twice (issue 14, failure 4). A version taken
// from a shape had been left for at least three changes. The versions are
// history, not a hash of the shape alone: that collided 1 time in 4
// (seed 134 of the property tests).
inline constexpr uint32_t kTreeVersions = 4;

// A slot's versions: the shape (a hash) each stands for, when each was last
// taken (0: never) and the one in use. A slot's first tree takes version
// shape % kTreeVersions, so a fresh computation numbers as before.
struct TreeVersion {
  std::array<uint64_t, kTreeVersions> shape{};
  std::array<uint64_t, kTreeVersions> taken{};
  uint32_t current = 0;
  uint64_t clock = 0;
  bool operator==(const TreeVersion&) const = default;
  // The version of `shape`, taking one when it is new.
  uint32_t of(uint64_t shape);
};
using TreeVersions = std::map<uint32_t, TreeVersion>;  // by tree slot

struct ServicePlan {
  std::vector<PwEndPlan> ends;
  std::vector<VplsPlan> vpls;
  std::vector<std::vector<uint32_t>> sites_of;  // per router: its sites in use (Topology::sites)
  std::vector<int32_t> site_service;  // per site: VPWS index, or -(VPLS index)-2, or -1 unused
  std::vector<StableAllocator> labels;  // per router: PW label space (after the tree slots)
  // P2MP trees get fixed slots, one per (instance, possible root): the tree
  // label at any router is first + FEC count + kTreeVersions x slot +
  // version (emit_vpls: TreeVersions), the replication group
  // id 1 + slot, a branch NHLFE id service base + slot x port stride + port.
  // Collision-free and independent of the order trees are built in.
  uint32_t tree_slots = 0;
  // Which slots each P2MP instance holds. Kept across re-plans (an instance
  // removed keeps its slots, one added takes new ones after all the others):
  // removing one instance moves no other tree's labels or groups, so frames
  // in flight never land on another instance's tree (issue 14, failure 5).
  TreeSlots tree_slot_of;
  std::vector<std::string> warnings;
};

// Resolves every service's sites and routers, allocates PW labels and ids.
// Errors name the service and where it was defined.
// `keep`: the slots of the previous plan (services_changed), kept as they were.
Result<ServicePlan> plan_services(const Plan& plan, const TreeSlots* keep = nullptr);

// What one computation produced for one router's services.
struct ServiceTables {
  std::vector<Port> ac_ports;
  std::vector<Nhlfe> nhlfes;  // P2MP tree branches
  std::vector<IlmEntry> ilm;  // PW labels and tree labels
  std::vector<AttachmentCircuit> attachment_circuits;
  std::vector<Pseudowire> pseudowires;
  std::vector<ReplicationGroup> replication_groups;
  std::vector<BridgeDomain> bridge_domains;
  bool operator==(const ServiceTables&) const = default;
};

// The state of one PW end, for the summary and `show l2vpn`.
struct PwStatus {
  std::string service;
  PwKind kind = PwKind::vpws;
  std::string router, peer;
  uint32_t pw_id = 0, id = 0;
  uint32_t local_label = 0, remote_label = 0;
  bool up = false;
  std::string down_reason;
  bool control_word = false;
  uint32_t mtu = 0;
  bool operator==(const PwStatus&) const = default;
};

// Inputs every service computation shares.
struct ServiceContext {
  const Plan& plan;
  const ServicePlan& services;
  const Igp& igp;
  const std::vector<RouteTable>& routes;  // per router
  const std::vector<uint8_t>& site_up;    // per Topology::sites index
};

// Signals every planned PW end: results[i] belongs to services.ends[i].
std::vector<PwNegotiation> signal_pseudowires(const ServiceContext& ctx);

// The Pseudowire object of end `e` given its negotiation.
Pseudowire make_pseudowire(const ServiceContext& ctx, const PwEndPlan& e, const PwNegotiation& n);
PwStatus make_pw_status(const ServiceContext& ctx, const PwEndPlan& e, const PwNegotiation& n);

// AC ports of every router (sites in use), and the VPWS part: pseudowires,
// ACs and the PW label ILM entries. `out` has one entry per router.
// `slots`, when given (one per planned end), receives where each end's
// Pseudowire landed in out[router].pseudowires.
void emit_vpws(const ServiceContext& ctx, const std::vector<PwNegotiation>& results,
               std::vector<ServiceTables>& out, std::vector<PwStatus>& status,
               std::vector<uint32_t>* slots = nullptr);

}  // namespace l2vpn::cp
