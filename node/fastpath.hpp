#pragma once
// The node's fast path: the router's ForwardingState (node/lfib.hpp)
// published with RCU to a dataplane Router whose ports are the kernel
// interfaces its links name, opened as DPDK net_af_packet devices beside
// the kernel (or what `--bind PORT=DEVARGS` says: tap, memif, a NIC). On
// af_packet ports the kernel keeps everything that is not MPLS (LDP, OSPF,
// ARP: counted to_kernel, not dropped) and the fast path ignores the
// kernel's own outgoing frames (kernel_tx_seen); the penultimate hop pops
// onto IP (set_php_to_ip). A bound device the kernel does not see gets an
// exception path, as VPP's linux-cp: a kernel tap named after the port
// (DPDK net_tap, the device's MAC and MTU) where the kernel runs ARP, the
// IGP and LDP; the kernel's IPv4 to an LDP FEC leaves labelled by the FTN
// (dataplane/router.hpp set_port_exception); the device's link state is
// mirrored onto the tap. One worker lcore polls, sleeping when idle.

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "contract/result.hpp"
#include "dataplane/oam_punt.hpp"
#include "node/kernel.hpp"

namespace l2vpn::node {

struct FastPathOptions {
  std::string router;
  std::vector<std::string> ports;            // kernel interface names (the core ports)
  // Attachment circuits' ports (port -> the site, for messages): L2 only,
  // the fast path takes every frame (af_packet on the kernel interface of
  // that name, not shared: no kernel traffic, no exception tap), or --bind.
  std::map<std::string, std::string> ac_ports;
  std::map<std::string, std::string> bind;   // port -> DPDK devargs, instead of af_packet
  // What a bound port the kernel does not share gets: "tap" (an exception
  // tap named PORT) or "none" (DPDK-only: the kernel sees nothing there).
  std::string exception = "tap";
  std::string file_prefix;                   // DPDK's; empty: l2vpn-node-ROUTER-<pid>
  std::string eal_extra;                     // more EAL words
  std::string memory = "nohuge";             // auto|huge|nohuge
  unsigned idle_sleep_us = 100;              // worker's sleep when idle (launch.hpp)
};

// Where each port goes: the --bind devargs or af_packet on the interface.
// A bound device is beside the kernel when it is net_af_packet on the
// interface of the port's name; any other gets an exception tap (unless
// exception is "none"). Errors (exit 2): a --bind for a port the router
// does not have, a port without a kernel interface (and no --bind), a port
// whose exception tap's name a kernel interface already has, an AC port that
// is also a core port. Names the port. AC ports follow the core ports.
struct PortPlan {
  std::string port, devargs;
  bool kernel = false;    // af_packet beside the kernel
  std::string tap;        // the exception tap's devargs (net_tap, iface=PORT), "" for none
};
Result<std::vector<PortPlan>> plan_ports(const FastPathOptions& o, const KernelView& k);

class FastPath {
 public:
  // Starts EAL, the ports and the worker. The error says what and which
  // port; `usage` is set for bad input (exit 2) as opposed to a failure.
  static Result<std::unique_ptr<FastPath>> start(const FastPathOptions& o, bool* usage = nullptr);
  ~FastPath();
  FastPath(const FastPath&) = delete;
  FastPath& operator=(const FastPath&) = delete;

  // Control thread: publish a new state (RCU), follow link state.
  void publish(const ForwardingState& state);
  void kernel_changed(const KernelView& k);
  // Control-socket requests it answers: "show dataplane" (counters as
  // router-style tables), "show dataplane json", "show dataplane macs
  // [json]" (every bridge domain's MAC table: MAC, member, the PW's peer),
  // "metrics" (Prometheus text of the router's counters); "" for anything else.
  std::string answer(const std::string& request) const;
  // Control thread: an LDP MAC withdraw received over PW `from` (a state
  // id) flushes bridge domain `bd` (dp::Router::withdraw_macs). Returns
  // how many MACs went.
  unsigned withdraw_macs(const std::string& bd, uint32_t from, const std::vector<MacAddr>& macs);
  // Control thread: ages the bridge domains' MAC tables (their aging_seconds).
  void age_macs();
  // The MACs bridge domain `bd` learned on its attachment circuit `ac`.
  std::vector<MacAddr> macs_on_ac(const std::string& bd, const std::string& ac) const;
  const std::string& file_prefix() const;

  // MPLS OAM (node/oam_node.hpp): turns the fast path's punt on (before
  // anything is drained or sent); whole frames it punted, oldest first
  // (one thread only); a whole frame to leave on `port` at the worker's next
  // flush (any thread; false when the port is unknown or the ring full);
  // is the port up; the punt's counters.
  Status enable_oam(const dp::OamPuntConfig& config);
  struct Punted {
    dp::OamPuntReason reason{};
    std::vector<uint8_t> frame;
  };
  std::vector<Punted> drain_oam(unsigned max);
  bool send_oam(const std::string& port, std::span<const uint8_t> frame);
  bool port_up(const std::string& port) const;
  struct OamCounters {
    uint64_t punted = 0, sent = 0, rate_limited = 0, queue_full = 0;
  };
  OamCounters oam_counters() const;

  struct Impl;

 private:
  explicit FastPath(std::unique_ptr<Impl> impl);
  std::string mac_tables(bool json) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace l2vpn::node
