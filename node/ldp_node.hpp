#pragma once
// The node runtime's control plane: one router's LDP engine on real sockets
// (UDP 646 hellos on its core interfaces, TCP 646 sessions), its routes from
// the kernel over rtnetlink, followed live, timers, and a control socket
// that answers `show ldp neighbor|discovery|binding|counters [json]`,
// `show l2vpn [json]` (the FEC 128 pseudowires) and `metrics` (Prometheus text). Runs until `stop` becomes non-zero.

#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "ldp/engine.hpp"
#include "node/kernel.hpp"
#include "node/pw_state.hpp"
#include "node/vpls_state.hpp"

namespace l2vpn::node {

struct NodeOptions {
  std::string router;     // for messages and metrics labels
  ldp::Config ldp;        // lsr_id, interfaces, label range, timers
  std::string ctl_path;   // unix socket for `l2vpn ctl --node`; empty: none
  bool verbose = false;   // log sessions and bindings changes to stderr
  std::vector<NodePseudowire> pseudowires;  // VPWS ends on this router
  // VPLS instances with a site on this router (node/vpls_state.hpp). When
  // one of their ACs goes down, a MAC withdraw (empty list) goes to every
  // peer of the mesh; a received one is handed to on_mac_withdraw.
  std::vector<NodeVpls> vpls;
  // Flushes bridge domain `bd` for a MAC withdraw received over its PW
  // `from` (a state id): `macs` empty, all but what was learned over `from`;
  // else those MACs. Returns how many MACs went (the fast path's).
  std::function<unsigned(const std::string& bd, uint32_t from, const std::vector<MacAddr>& macs)>
      on_mac_withdraw;
  // The MACs bridge domain `bd` learned on its AC `ac` (the fast path's).
  std::function<std::vector<MacAddr>(const std::string& bd, const std::string& ac)> ac_macs;
  // Called with the kernel's view each time it is re-read (the fast path
  // follows link state).
  std::function<void(const KernelView&)> on_kernel;
  // Control-socket requests the LDP side does not know ("show dataplane"):
  // the answer, or "" to say it is unknown; for "metrics", what follows
  // LDP's metrics.
  std::function<std::string(const std::string&)> ctl_extra;
  // Control-socket requests answered later, off the loop (`ping mpls ...`):
  // returns true when it took the connection `fd` (it writes the answer and
  // closes it), false to leave the request to the others.
  std::function<bool(int fd, const std::string&)> ctl_take;
  // Called on the loop's thread after each tick (every 100 ms) once the
  // engine's actions are carried out: the telemetry snapshot
  // (node/ldp_telemetry.hpp). Must not keep the engine.
  std::function<void(const ldp::Engine&, ldp::Time now)> on_tick;
};

// Called with the router's new ForwardingState (node/lfib.hpp, its
// pseudowires by node/pw_state.hpp) each time the bindings, the PWs or the
// kernel view change it: the dataplane side publishes it.
using StateHook = std::function<void(const ForwardingState&)>;

int run_node(const NodeOptions& opt, volatile std::sig_atomic_t* stop,
             const StateHook& hook = {});

// The answer to one control-socket request line (also used by tests):
// show ldp neighbor|discovery|binding|counters [json], show state json (the
// ForwardingState, with "version" and "changedMs": when it last changed, on
// the node's monotonic clock), metrics.
struct NodeStatus {
  const ForwardingState* state = nullptr;
  uint64_t state_version = 0;
  ldp::Time state_changed{};
};
std::string control_answer(const ldp::Engine& e, const std::string& router,
                           const std::string& request, ldp::Time now,
                           const NodeStatus& status = {});

// Sends one request to a node's control socket and returns the answer.
std::string control_request(const std::string& path, const std::string& request);

}  // namespace l2vpn::node
