// Emulator::Impl, the state behind an Emulator, shared by the files that
// implement it (private to sim/: included only by sim/*.cpp):
//   sim/emulator.cpp          construction and the run loop (run, serve, step)
//   sim/emulator_events.cpp   the timeline: events, recomputation, injected events
//   sim/emulator_workload.cpp the hosts' applications (memcached, redis, IMIX, ARP)
//   sim/emulator_results.cpp  the Report: flows, event windows, flooding, ok()
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "controlplane/network.hpp"
#include "sim/backbone.hpp"
#include "sim/emulator.hpp"
#include "sim/flood_cost.hpp"
#include "sim/hosts.hpp"
#include "sim/oam_agent.hpp"
#include "sim/traffic.hpp"

namespace l2vpn::sim {

// Shared by these files: MAC aging's period (the workload's, serve()'s), and
// virtual times in ms and us.
inline constexpr uint64_t kAgeIntervalNs = 1'000'000'000;

inline double ms(uint64_t ns) { return double(ns) / 1e6; }
inline double us(uint64_t ns) { return double(ns) / 1e3; }

struct Emulator::Impl {
  EmulatorOptions opt;
  rte_mempool* pool = nullptr;
  dp::Rcu* rcu = nullptr;
  std::unique_ptr<cp::Network> net;
  std::unique_ptr<Backbone> bb;
  std::vector<ServiceInfo> services;
  std::vector<bool> removed;  // by service
  std::vector<uint64_t> unresolved;  // by service
  Tracker tracker;
  std::unique_ptr<Hosts> hosts;
  bool drained = true;        // run(): false when frames outlived the drain limit
  uint64_t max_path_ns = 0;  // a bound on any path's delay (sum of all link delays)
  std::vector<FloodPlan> flood_plans;  // the report's flooding costs, planned at setup
  std::unique_ptr<OamAgent> oam;       // lsp-ping/lsp-trace actions and the responders (or none)
  // H-VPLS spoke switchovers: an MTU-s's spoke PW to another hub came up
  // (the standby taking over, or the primary back). A frame flooded before
  // the switch can reach the MTU-s through the old hub and again through
  // the new one, in flight across it: RFC 6718's transient, not a fault.
  struct Switchover {
    std::string mtu_s;
    uint64_t at_ns = 0;
    const EventRow* row = nullptr;
  };
  std::vector<Switchover> switchovers;

  // The agenda: host actions, events, control-plane updates, in time order
  // (ties in the order they were scheduled: deterministic).
  struct Task {
    uint64_t t, order;
    std::function<void()> fn;
    bool operator>(const Task& o) const { return t != o.t ? t > o.t : order > o.order; }
  };
  std::priority_queue<Task, std::vector<Task>, std::greater<>> agenda;
  uint64_t order = 0;
  void at(uint64_t t, std::function<void()> fn) { agenda.push(Task{t, order++, std::move(fn)}); }
  // A task that schedules itself again holds a pointer to itself; one cut
  // short (a stop, serve mode) keeps that cycle, so the Impl breaks it.
  std::vector<std::shared_ptr<std::function<void()>>> recurring;
  std::shared_ptr<std::function<void()>> recurring_task() {
    return recurring.emplace_back(std::make_shared<std::function<void()>>());
  }
  ~Impl() {
    for (auto& f : recurring) *f = nullptr;
  }
  uint64_t now() const { return bb->now(); }

  // Workload state.
  std::vector<uint32_t> arp_flow;                 // by host
  std::vector<std::vector<uint32_t>> arp_peers;   // by host: whom it ARPs for, round robin
  std::vector<size_t> arp_next;                   // by host
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> mc_response_flow;  // (server, client)
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> host_by_ip;         // (service, ip)
  std::vector<uint16_t> mc_request_id;                                   // by host
  std::string buf;

  struct EventState {
    EventSpec spec;
    EventRow row;
    uint32_t service = UINT32_MAX;  // service events
    std::vector<uint32_t> links;    // link events
    uint32_t site = UINT32_MAX;     // mac-flood
  };
  // A deque: fire() and the recomputation hold pointers to rows, and
  // serve() appends injected events while earlier ones are in flight.
  std::deque<EventState> events;
  // inject() runs on another thread (telemetry): it reads only what never
  // changes after build (the topology copy, services, hosts' sites) and
  // hands resolved events over under the mutex.
  cp::Topology names;
  mutable std::mutex inject_mu;
  std::deque<EventState> injected;
  std::atomic<uint64_t> published_now{0};
  EventHook on_event;
  Result<EventState> resolve_one(const EventSpec& spec) const;
  void fire_injected();
  // What the events so far (fired or queued) made of the links, routers and
  // services, under inject_mu: an injected event that changes nothing (a
  // second link-down of a down link) is refused with the reason.
  std::vector<bool> link_down_now;
  std::set<std::string> router_down_now;
  std::vector<bool> service_removed_now;
  std::string unchanged_locked(const EventState& e);  // "" when it changes something
  void note_locked(const EventState& e);
  std::map<std::string, cp::VpwsService> saved_vpws;
  std::map<std::string, cp::VplsService> saved_vpls;

  Status build(const cp::Topology& topo);
  Status resolve_events();
  cp::NetworkState stripped(const cp::NetworkState& s) const;
  Status apply_diff(const cp::NetworkDiff& d, EventRow* row);
  // PW ends BFD holds down (RFC 5885; the agent's on_pw_state): (router,
  // peer, PW id), overlaid on the control plane's state in what routers
  // get (published) and in the report's PW states (pw_view).
  std::set<std::tuple<std::string, std::string, uint32_t>> bfd_down;
  std::vector<std::string> publish_errors;
  ForwardingState published(const ForwardingState& fs) const;
  std::vector<cp::PwStatus> pw_view() const;
  void fire(EventState& e);
  void schedule_workload();
  void on_udp(const UdpDelivery& u);
  bool send(uint32_t from, uint32_t to, uint16_t sport, uint16_t dport, uint32_t flow);
  void step(uint64_t t);
  Report report(double wall) const;
  // Event windows: a frame sent from `max_path_ns` before an event belongs
  // to it (it may have been on the failed wire). Each window's start.
  EventWindows window_starts() const {
    EventWindows w;
    for (auto& e : events) {
      w.start.push_back(e.spec.at_ns > max_path_ns ? e.spec.at_ns - max_path_ns : 0);
      w.at.push_back(e.spec.at_ns);
    }
    return w;
  }
  void run_agenda(uint64_t t);
  void step_profiled(uint64_t t);
  void flooding(Report& r) const;
};

}  // namespace l2vpn::sim
