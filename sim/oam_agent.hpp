#pragma once
// The emulator's OAM agent (issue 18, docs/oam.md "In the emulator"): on
// the emulator's control thread, in virtual time.
//
// Responders: every router's fast path punts the MPLS OAM it would have
// dropped (TTL expiry, a stack ending here, an unlabelled frame after PHP)
// to its ring (dataplane/oam_punt.cpp); poll() drains the rings, answers
// each echo request with oam::respond() against a view of that router's
// current ForwardingState (oam::view_from_state), and sends the reply
// in-band. The emulated routers route no IP, so a reply goes back labelled
// over the responder's own LSP to the initiator's loopback (its FTN, or
// for a P router the ILM entry of its label for that FEC) and reaches the
// initiator unlabelled after PHP, where its fast path punts it.
//
// Initiators: the scenario's lsp-ping and lsp-trace actions. A request is
// built as a router would: the initiator's FTN NHLFE for the FEC (its
// labels, with TTL 255 for ping, 1, 2, ... for trace), the MAC header
// toward the next hop, IPv4 to 127.0.0.1 with TTL 1 and the Router Alert,
// UDP 3503; it leaves through the router's OAM send ring and every router
// on the way forwards it with its real tables. A multipath trace puts
// ELI + an entropy label below the LSP label and a DDMAP with a bit-masked
// label set (RFC 8029 multipath type 9), and follows every branch a
// responder names with an entropy label from that branch's subset.
//
// Nothing runs per step unless requests are outstanding (poll() returns at
// once), and the punt is enabled only when the scenario has OAM actions.

#include <rte_mempool.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/topology.hpp"
#include "oam/bfd.hpp"
#include "oam/lsp_ping.hpp"
#include "oam/state_view.hpp"
#include "sim/backbone.hpp"
#include "sim/oam_report.hpp"

namespace l2vpn::sim {

class OamAgent {
 public:
  using Schedule = std::function<void(uint64_t t, std::function<void()> fn)>;
  // Enables the OAM punt on every router and checks the actions' names.
  // `at` queues a task in the emulator's agenda (virtual time).
  // With `bfd.enabled`, a BFD session on every PW end with the control
  // word (RFC 5885 raw BFD on the ACH), ticking until `end_ns`.
  static Result<std::unique_ptr<OamAgent>> create(Backbone& bb, const cp::Topology& topo, rte_mempool* pool,
                                                  std::vector<OamActionSpec> actions, Schedule at,
                                                  BfdPwOptions bfd = {}, uint64_t end_ns = 0);
  ~OamAgent();
  // Queues the actions at their times.
  void start();
  // Drains every router's punt ring: answers requests, takes replies.
  // True when it sent frames (the backbone has more to move).
  bool poll();
  std::vector<OamResult> results() const { return results_; }
  std::vector<BfdPwRow> bfd_rows(uint64_t now) const;
  // RFC 5885: a BFD session that leaves Up takes its PW down ("BFD down"),
  // one that comes back Up brings it back. The emulator passes what does
  // it (the PW end: router, peer, PW id; up or down): it overlays the
  // control plane's state and republishes the router's tables.
  using PwHook = std::function<void(const std::string& router, const std::string& peer, uint32_t pw_id, bool up)>;
  void on_pw_state(PwHook hook) { pw_hook_ = std::move(hook); }
  // Requests waiting for their reply.
  size_t outstanding() const { return pending_.size(); }
  // Echo requests answered, replies taken, punted frames it could not use.
  uint64_t answered() const { return answered_; }
  uint64_t unusable() const { return unusable_; }

 private:
  OamAgent(Backbone& bb, const cp::Topology& topo, rte_mempool* pool, Schedule at)
      : bb_(bb), topo_(topo), pool_(pool), at_(std::move(at)) {}

  struct Probe {
    size_t action = 0;
    size_t path = 0;  // trace: index into results_[action].paths
    uint32_t ttl = 0;
    uint64_t sent_ns = 0;
    std::optional<uint32_t> in_label;   // what the probed router should receive
    std::vector<uint32_t> entropy;      // multipath: the label set this path carries
    std::optional<oam::Ddmap> asked;    // the DDMAP sent
  };

  void fire(size_t action);
  void ping_once(size_t action, uint32_t seq);
  // Sends a trace probe with label TTL `ttl` along `path`.
  void trace_probe(size_t action, size_t path, uint32_t ttl, std::optional<uint32_t> in_label,
                   std::vector<uint32_t> entropy, std::optional<oam::Ddmap> asked);
  // Builds and sends a request from the action's router; false when it has
  // no LSP (the path's end says why).
  bool send_request(size_t action, const Nhlfe& nh, uint32_t ttl, const std::vector<uint32_t>& entropy,
                    const std::optional<oam::Ddmap>& ddmap, uint32_t seq);
  void on_reply(const oam::EchoPacket& reply, uint32_t from);
  void on_timeout(uint64_t key);
  // Sends an IPv4 packet from `router` toward `dst` over its LSP.
  bool route(uint32_t router, uint32_t dst, const oam::Bytes& ip);
  bool transmit(uint32_t router, const Nhlfe& nh, const std::vector<uint32_t>& lses, const oam::Bytes& ip);
  // The initiator's FTN NHLFEs toward a PE loopback (LFA applied), empty when none.
  std::vector<const Nhlfe*> ftn(uint32_t router, uint32_t loopback) const;
  const Nhlfe* usable(uint32_t router, const ForwardingState& fs, const Nhlfe* nh) const;
  std::string name_of(uint32_t address) const;
  // BFD over PWs.
  struct BfdPw {
    uint32_t router = 0;
    uint32_t vc_id = 0;
    std::string peer;
    uint32_t local_label = 0;
    std::unique_ptr<oam::BfdSession> session;
    oam::BfdState last = oam::BfdState::down;
    bool pw_down = false;  // this session took the PW down
    BfdPwRow row;
  };
  void bfd_start();
  void bfd_tick();
  void bfd_note(BfdPw& b);
  void bfd_send(BfdPw& b, const oam::BfdControl& c);
  void bfd_schedule(uint64_t t);
  void on_bfd(uint32_t router, uint32_t pw_label, std::span<const uint8_t> packet);
  uint64_t now() const { return bb_.now(); }

  Backbone& bb_;
  const cp::Topology& topo_;
  rte_mempool* pool_;
  Schedule at_;
  std::vector<OamActionSpec> actions_;
  std::vector<OamResult> results_;
  std::vector<uint32_t> loopback_;                 // by router index
  std::vector<oam::StateViewInputs> inputs_;       // by router index
  std::map<uint32_t, uint32_t> router_by_address;  // loopback -> router index
  std::map<std::string, uint32_t> router_index_;
  std::map<uint32_t, uint32_t> fec_index_;         // PE loopback -> the control plane's FEC index
  std::map<uint64_t, Probe> pending_;              // (handle << 32 | sequence)
  uint32_t sequence_ = 0;
  uint64_t answered_ = 0, unusable_ = 0;
  bool sent_ = false;
  BfdPwOptions bfd_opt_;
  uint64_t end_ns_ = 0;
  std::vector<BfdPw> bfd_;
  uint64_t next_tick_ = UINT64_MAX;  // the earliest bfd_tick queued
  PwHook pw_hook_;
};

}  // namespace l2vpn::sim
