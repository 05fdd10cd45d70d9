// The emulator's OAM agent: responders in every router, lsp-ping and
// lsp-trace initiators (sim/oam_agent.hpp, docs/oam.md).
#include "sim/oam_agent.hpp"

#include <fmt/format.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "dataplane/packet.hpp"
#include "oam/ipv4_udp.hpp"
#include "oam/responder.hpp"
#include "oam/vccv.hpp"

namespace l2vpn::sim {

namespace {
// The punt as the agent runs it: generous, since a multipath trace of every
// PE pair starts many probes at one instant; still bounded.
constexpr dp::OamPuntConfig kPunt{true, 100'000, 1024, 4096};
// The entropy labels a multipath trace offers (RFC 8029 type 9 set): 256
// values, enough that every ECMP branch of our hash gets some.
constexpr uint32_t kEntropyBase = 4096, kEntropyCount = 256;

void ntp(uint64_t ns, uint32_t& seconds, uint32_t& fraction) {
  seconds = uint32_t(ns / 1'000'000'000);
  fraction = uint32_t(((ns % 1'000'000'000) << 32) / 1'000'000'000);
}

uint64_t key_of(uint32_t handle, uint32_t seq) { return uint64_t(handle) << 32 | seq; }
}  // namespace

OamAgent::~OamAgent() = default;

Result<std::unique_ptr<OamAgent>> OamAgent::create(Backbone& bb, const cp::Topology& topo, rte_mempool* pool,
                                                   std::vector<OamActionSpec> actions, Schedule at,
                                                   BfdPwOptions bfd, uint64_t end_ns) {
  std::unique_ptr<OamAgent> a(new OamAgent(bb, topo, pool, std::move(at)));
  a->bfd_opt_ = bfd;
  a->end_ns_ = end_ns;
  if (bfd.enabled && (bfd.interval_ns < 1000 || bfd.multiplier < 1 || bfd.multiplier > 255))
    return Error{"bfd: interval must be at least 1us and the multiplier in [1, 255]"};
  std::string errors;
  for (auto& act : actions)
    if (auto why = check_oam_action(act, topo); !why.empty())
      errors += (errors.empty() ? "" : "\n") + fmt::format("{}: {}", act.text.empty() ? act.router : act.text, why);
  if (!errors.empty()) return Error{errors};
  // Backbone::build makes the routers in the topology's order.
  const auto& routers = bb.routers();
  if (routers.size() != topo.routers.size()) return Error{"OAM agent: the backbone does not match the topology"};
  oam::StateViewInputs base;
  for (uint32_t i = 0; i < topo.routers.size(); ++i) {
    const cp::Router& r = topo.routers[i];
    if (routers[i]->name() != r.name) return Error{"OAM agent: the backbone's routers are not in topology order"};
    uint32_t lb = 0;
    if (!oam::parse_ipv4(r.loopback, lb)) return Error{fmt::format("router {}: loopback '{}' is not IPv4", r.name, r.loopback)};
    a->loopback_.push_back(lb);
    a->router_by_address[lb] = i;
    a->router_index_[r.name] = i;
    base.loopback_by_router[r.name] = lb;
  }
  // The control plane's FEC indexes: the PEs in topology order
  // (cp::ldp_local_label: a router's label for FEC k is its range's first + k).
  std::vector<uint32_t> pe_loopbacks;
  for (uint32_t i = 0; i < topo.routers.size(); ++i)
    if (topo.routers[i].role == cp::RouterRole::pe) {
      a->fec_index_[a->loopback_[i]] = uint32_t(pe_loopbacks.size());
      pe_loopbacks.push_back(a->loopback_[i]);
    }
  for (const cp::Router& r : topo.routers) {
    oam::StateViewInputs in = base;
    for (size_t k = 0; k < pe_loopbacks.size(); ++k)
      in.fec_by_label[r.labels.first + uint32_t(k)] = oam::LdpPrefixFec{pe_loopbacks[k], 32};
    for (const cp::Link& l : topo.links) {
      if (l.a == r.name) in.neighbour_by_port[l.a_port] = base.loopback_by_router.at(l.b);
      if (l.b == r.name) in.neighbour_by_port[l.b_port] = base.loopback_by_router.at(l.a);
    }
    a->inputs_.push_back(std::move(in));
  }
  for (auto& r : routers)
    if (auto st = r->enable_oam_punt(kPunt); !st) return st.error();
  for (auto& act : actions) {
    OamResult res;
    res.action = act.text;
    res.kind = act.kind == OamActionSpec::Kind::ping ? "lsp-ping" : "lsp-trace";
    res.at_ms = double(act.at_ns) / 1e6;
    res.router = act.router;
    res.fec = *normalise_fec(act.fec);
    res.via = act.via;
    res.multipath = act.multipath;
    a->results_.push_back(std::move(res));
  }
  a->actions_ = std::move(actions);
  return a;
}

void OamAgent::start() {
  for (size_t i = 0; i < actions_.size(); ++i) at_(actions_[i].at_ns, [this, i] { fire(i); });
  if (bfd_opt_.enabled) bfd_start();
}

// ------------------------------------------------------------ BFD over PWs
void OamAgent::bfd_start() {
  const auto& routers = bb_.routers();
  const uint32_t us = uint32_t(std::max<uint64_t>(1, bfd_opt_.interval_ns / 1000));
  for (uint32_t r = 0; r < routers.size(); ++r) {
    const ForwardingState& fs = routers[r]->state();
    for (const Pseudowire& pw : fs.pseudowires) {
      // RFC 5885 over CC type 1 needs the control word's place for the
      // ACH; a flow label would sit between (not done).
      if (!pw.control_word || pw.flow_label) continue;
      BfdPw b;
      b.router = r;
      b.vc_id = pw.pw_id;
      b.peer = pw.peer;
      b.local_label = pw.local_label;
      oam::BfdConfig c;
      c.my_discriminator = uint32_t(bfd_.size() + 1);
      c.desired_min_tx_us = us;
      c.required_min_rx_us = us;
      c.detect_mult = uint8_t(bfd_opt_.multiplier);
      b.session = std::make_unique<oam::BfdSession>(c, now());
      b.row.router = routers[r]->name();
      b.row.peer = pw.peer;
      b.row.pw_id = pw.pw_id;
      for (const AttachmentCircuit& ac : fs.attachment_circuits)
        if (ac.pseudowire == pw.id) b.row.service = ac.name;
      for (const BridgeDomain& bd : fs.bridge_domains)
        for (uint32_t id : bd.mesh_pseudowires) if (id == pw.id) b.row.service = bd.name;
      for (const BridgeDomain& bd : fs.bridge_domains)
        for (uint32_t id : bd.spoke_pseudowires) if (id == pw.id) b.row.service = bd.name;
      b.row.interval_ms = double(bfd_opt_.interval_ns) / 1e6;
      b.row.multiplier = bfd_opt_.multiplier;
      b.row.configured_detect_ms = b.row.interval_ms * bfd_opt_.multiplier;
      bfd_.push_back(std::move(b));
    }
  }
  bfd_schedule(now());
}

void OamAgent::bfd_schedule(uint64_t t) {
  if (t >= end_ns_ || t >= next_tick_) return;
  next_tick_ = t;
  at_(t, [this] { bfd_tick(); });
}

void OamAgent::bfd_note(BfdPw& b) {
  const oam::BfdState s = b.session->state();
  if (s == b.last) return;
  if (s == oam::BfdState::up) {
    ++b.row.ups;
    if (b.row.first_up_ms < 0) b.row.first_up_ms = double(now()) / 1e6;
  }
  if (b.last == oam::BfdState::up && s != oam::BfdState::up) {
    ++b.row.downs;
    if (b.row.down_at_ms < 0 && b.session->diag() == oam::BfdDiag::detection_time_expired) {
      b.row.down_at_ms = double(now()) / 1e6;
      b.row.last_rx_ms = double(b.session->last_rx_ns()) / 1e6;
      b.row.detection_ms = b.row.down_at_ms - b.row.last_rx_ms;
    }
  }
  b.last = s;
  // RFC 5885: the PW follows the session once it has been Up.
  const bool take_down = s != oam::BfdState::up && b.row.ups > 0 && !b.pw_down;
  const bool bring_up = s == oam::BfdState::up && b.pw_down;
  if (!take_down && !bring_up) return;
  b.pw_down = take_down;
  if (take_down) {
    ++b.row.pw_downs;
    b.row.reason = "BFD down";
    if (b.row.pw_down_ms < 0) b.row.pw_down_ms = double(now()) / 1e6;
  } else {
    b.row.pw_up_again_ms = double(now()) / 1e6;
  }
  if (pw_hook_) pw_hook_(b.row.router, b.peer, b.vc_id, bring_up);
}

void OamAgent::bfd_tick() {
  if (next_tick_ <= now()) next_tick_ = UINT64_MAX;
  const uint64_t t = now();
  uint64_t next = UINT64_MAX;
  for (BfdPw& b : bfd_) {
    b.session->tick(t);
    bfd_note(b);
    if (auto c = b.session->transmit(t)) bfd_send(b, *c);
    next = std::min(next, b.session->next_event_ns());
  }
  bfd_schedule(std::max(next, t + 1));
}

void OamAgent::bfd_send(BfdPw& b, const oam::BfdControl& c) {
  // Down the PW as its frames go: the transport LSP's labels, the PW label,
  // then the ACH (channel 7, raw BFD) where the control word goes.
  const ForwardingState& fs = bb_.routers()[b.router]->state();
  const Pseudowire* pw = nullptr;
  for (const Pseudowire& p : fs.pseudowires)
    if (p.pw_id == b.vc_id && p.peer == b.peer) pw = &p;
  // A PW BFD took down keeps its LSP: the session goes on over it, so that
  // it can come back Up.
  if (!pw || !pw->transport || (!pw->up && pw->down_reason != kPwDownBfd)) return;
  const auto nhs = fs.nhlfes_of(*pw->transport);
  const Nhlfe* nh = nhs.empty() ? nullptr : usable(b.router, fs, nhs.front());
  if (!nh) return;
  std::vector<uint32_t> lses;
  if (nh->op != NhlfeOp::pop)
    for (uint32_t l : nh->labels) lses.push_back(dp::lse::make(l, 0, false, 255));
  lses.push_back(dp::lse::make(pw->remote_label, 0, true, 255));
  transmit(b.router, *nh, lses, oam::vccv_bfd(c));
}

void OamAgent::on_bfd(uint32_t router, uint32_t pw_label, std::span<const uint8_t> packet) {
  oam::BfdControl c;
  if (oam::decode(packet, c) != oam::BfdError::ok) {
    ++unusable_;
    return;
  }
  for (BfdPw& b : bfd_)
    if (b.router == router && b.local_label == pw_label) {
      b.session->receive(c, now());
      bfd_note(b);
      bfd_schedule(std::max(b.session->next_event_ns(), now()));
      return;
    }
  ++unusable_;
}

std::vector<BfdPwRow> OamAgent::bfd_rows(uint64_t t) const {
  (void)t;
  std::vector<BfdPwRow> out;
  for (const BfdPw& b : bfd_) {
    BfdPwRow r = b.row;
    r.state = std::string(oam::to_string(b.session->state()));
    r.pw_state = b.pw_down ? "down" : "up";
    out.push_back(std::move(r));
  }
  return out;
}

std::string OamAgent::name_of(uint32_t address) const {
  auto it = router_by_address.find(address);
  return it == router_by_address.end() ? oam::ipv4_to_string(address) : topo_.routers[it->second].name;
}

const Nhlfe* OamAgent::usable(uint32_t router, const ForwardingState& fs, const Nhlfe* nh) const {
  const dp::Router& r = *bb_.routers()[router];
  auto up = [&](const Nhlfe* n) {
    const int p = r.port_index(n->out_port);
    return p >= 0 && r.port_up(uint16_t(p));
  };
  if (!nh || up(nh)) return nh;
  // The fast path's local repair: the LFA while the primary's port is down.
  if (nh->backup_nhlfe)
    if (const Nhlfe* b = fs.find_nhlfe(*nh->backup_nhlfe); b && up(b)) return b;
  return nullptr;
}

std::vector<const Nhlfe*> OamAgent::ftn(uint32_t router, uint32_t loopback) const {
  const ForwardingState& fs = bb_.routers()[router]->state();
  const std::string fec = oam::ipv4_to_string(loopback) + "/32";
  std::vector<const Nhlfe*> out;
  for (const FtnEntry& f : fs.ftn)
    if (f.fec == fec)
      for (const Nhlfe* n : fs.nhlfes_of(f.next_hop))
        if (const Nhlfe* u = usable(router, fs, n)) out.push_back(u);
  return out;
}

bool OamAgent::transmit(uint32_t router, const Nhlfe& nh, const std::vector<uint32_t>& lses, const oam::Bytes& ip) {
  dp::Router& r = *bb_.routers()[router];
  const int port = r.port_index(nh.out_port);
  const Port* p = r.state().find_port(nh.out_port);
  if (port < 0 || !p) return false;
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) return false;
  const size_t len = dp::kEtherHeaderLen + 4 * lses.size() + ip.size();
  auto* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(len)));
  if (!d || len > UINT16_MAX) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::memcpy(d, nh.next_hop_mac.data(), 6);
  std::memcpy(d + 6, p->mac.data(), 6);
  dp::store_be16(d + 12, lses.empty() ? dp::kEtherTypeIpv4 : dp::kEtherTypeMpls);
  uint8_t* q = d + dp::kEtherHeaderLen;
  for (uint32_t w : lses) {
    dp::store_be32(q, w);
    q += 4;
  }
  std::memcpy(q, ip.data(), ip.size());
  if (!r.send_oam(uint16_t(port), m)) return false;
  // Out now: the backbone's links take it at this instant (as a burst the
  // router forwards would be).
  r.flush(0);
  sent_ = true;
  return true;
}

bool OamAgent::route(uint32_t router, uint32_t dst, const oam::Bytes& ip) {
  // Over our LSP to `dst`: the FTN of a PE, else (a P router) the ILM
  // entry of our own label for that FEC, as a frame arriving with it would go.
  const ForwardingState& fs = bb_.routers()[router]->state();
  const Nhlfe* nh = nullptr;
  if (auto f = ftn(router, dst); !f.empty()) nh = f.front();
  if (!nh) {
    auto k = fec_index_.find(dst);
    if (k == fec_index_.end()) return false;
    const uint32_t label = topo_.routers[router].labels.first + k->second;
    for (const IlmEntry& e : fs.ilm) {
      if (e.label != label) continue;
      if (e.action == IlmAction::forward) nh = fs.find_nhlfe(e.target);
      if (e.action == IlmAction::ecmp)
        if (const EcmpGroup* g = fs.find_ecmp(e.target); g && !g->nhlfes.empty()) nh = fs.find_nhlfe(g->nhlfes.front());
    }
    nh = usable(router, fs, nh);
  }
  if (!nh) return false;
  std::vector<uint32_t> lses;
  if (nh->op != NhlfeOp::pop)
    for (size_t i = 0; i < nh->labels.size(); ++i)
      lses.push_back(dp::lse::make(nh->labels[i], 0, i + 1 == nh->labels.size(), 255));
  return transmit(router, *nh, lses, ip);
}

void OamAgent::fire(size_t a) {
  const OamActionSpec& act = actions_[a];
  if (act.kind == OamActionSpec::Kind::ping) {
    const uint64_t t0 = now();
    for (uint32_t s = 0; s < act.count; ++s) at_(t0 + s * act.interval_ns, [this, a, s] { ping_once(a, s); });
    return;
  }
  const uint32_t r = router_index_.at(act.router);
  uint32_t fec = 0;
  oam::parse_ipv4(results_[a].fec.substr(0, results_[a].fec.find('/')), fec);
  auto nhs = ftn(r, fec);
  if (nhs.empty()) {
    results_[a].error = fmt::format("{} has no LSP to {}", act.router, results_[a].fec);
    return;
  }
  if (!act.multipath) nhs.resize(1);  // as trace_lsp: the first member at the ingress
  std::vector<uint32_t> entropy;
  if (act.multipath)
    for (uint32_t i = 0; i < kEntropyCount; ++i) entropy.push_back(kEntropyBase + i);
  for (const Nhlfe* nh : nhs) {
    OamPath p;
    p.out_port = nh->out_port;
    if (nh->op != NhlfeOp::pop) p.out_labels = nh->labels;
    const auto& in = inputs_[r].neighbour_by_port;
    auto nb = in.find(nh->out_port);
    const uint32_t next = nb == in.end() ? 0 : nb->second;
    p.first_hop = name_of(next);
    results_[a].paths.push_back(p);
    // Our own downstream, as RFC 8029 4.3 asks of the initiator.
    oam::Ddmap d;
    d.ds_address = next;
    d.mtu = 1500;
    if (const Port* port = bb_.routers()[r]->state().find_port(nh->out_port))
      d.mtu = uint16_t(std::min<uint32_t>(port->mtu, 65535));
    for (uint32_t l : p.out_labels) d.labels.push_back(oam::DsLabel{l, 0, false, oam::protocol::ldp});
    if (p.out_labels.empty()) d.labels.push_back(oam::DsLabel{kLabelImplicitNull, 0, false, oam::protocol::ldp});
    d.labels.back().bos = true;
    if (act.multipath) d.multipath = oam::Multipath::label_set(entropy);
    std::optional<uint32_t> in_label;
    if (!p.out_labels.empty()) in_label = p.out_labels.front();
    trace_probe(a, results_[a].paths.size() - 1, 1, in_label, entropy, d);
  }
}

bool OamAgent::send_request(size_t a, const Nhlfe& nh, uint32_t ttl, const std::vector<uint32_t>& entropy,
                            const std::optional<oam::Ddmap>& ddmap, uint32_t seq) {
  const OamActionSpec& act = actions_[a];
  const uint32_t r = router_index_.at(act.router);
  uint32_t fec = 0;
  oam::parse_ipv4(results_[a].fec.substr(0, results_[a].fec.find('/')), fec);
  oam::RequestSpec s;
  s.fecs = {oam::LdpPrefixFec{fec, 32}};
  s.sender_handle = uint32_t(a + 1);
  s.sequence = seq;
  ntp(now(), s.sent_seconds, s.sent_fraction);
  s.ddmap = ddmap;
  s.src = loopback_[r];
  const oam::Bytes ip = oam::build_request(s);
  std::vector<uint32_t> lses;
  if (nh.op != NhlfeOp::pop)
    for (uint32_t l : nh.labels) lses.push_back(dp::lse::make(l, 0, false, uint8_t(ttl)));
  if (!entropy.empty()) {
    // RFC 6790: ELI, then the entropy label (TTL 0) at the bottom.
    lses.push_back(dp::lse::make(kLabelEntropyIndicator, 0, false, uint8_t(ttl)));
    lses.push_back(dp::lse::make(entropy.front(), 0, false, 0));
  }
  if (!lses.empty()) lses.back() = dp::lse::with_bos(lses.back(), true);
  return transmit(r, nh, lses, ip);
}

void OamAgent::ping_once(size_t a, uint32_t s) {
  const OamActionSpec& act = actions_[a];
  OamResult& res = results_[a];
  const uint32_t r = router_index_.at(act.router);
  // Along the LSP to the FEC, or (via) to another PE's loopback.
  uint32_t lb = 0;
  if (act.via.empty()) oam::parse_ipv4(res.fec.substr(0, res.fec.find('/')), lb);
  else lb = loopback_[router_index_.at(act.via)];
  if (res.replies.size() <= s) res.replies.resize(s + 1);
  res.replies[s].ttl = s + 1;
  auto nhs = ftn(r, lb);
  if (nhs.empty()) {
    res.error = fmt::format("{} has no LSP to {}", act.router, oam::ipv4_to_string(lb) + "/32");
    return;
  }
  const uint32_t seq = ++sequence_;
  if (!send_request(a, *nhs.front(), 255, {}, std::nullopt, seq)) {
    res.error = fmt::format("{}: the request could not be sent", act.router);
    return;
  }
  ++res.sent;
  Probe p;
  p.action = a;
  p.ttl = s;
  p.sent_ns = now();
  const uint64_t key = key_of(uint32_t(a + 1), seq);
  pending_[key] = std::move(p);
  at_(now() + act.timeout_ns, [this, key] { on_timeout(key); });
}

void OamAgent::trace_probe(size_t a, size_t path, uint32_t ttl, std::optional<uint32_t> in_label,
                           std::vector<uint32_t> entropy, std::optional<oam::Ddmap> asked) {
  const OamActionSpec& act = actions_[a];
  OamPath& p = results_[a].paths[path];
  if (ttl > act.max_ttl) {
    p.end = fmt::format("no egress within {} hops", act.max_ttl);
    return;
  }
  // The initiator's NHLFE of this path now (the tables may have changed).
  const uint32_t r = router_index_.at(act.router);
  uint32_t fec = 0;
  oam::parse_ipv4(results_[a].fec.substr(0, results_[a].fec.find('/')), fec);
  const Nhlfe* nh = nullptr;
  for (const Nhlfe* n : ftn(r, fec))
    if (n->out_port == p.out_port) nh = n;
  if (!nh) {
    p.end = fmt::format("{} no longer sends to {} on {}", act.router, results_[a].fec, p.out_port);
    return;
  }
  const uint32_t seq = ++sequence_;
  if (!send_request(a, *nh, ttl, entropy, asked, seq)) {
    p.end = "the request could not be sent";
    return;
  }
  ++results_[a].sent;
  Probe pr;
  pr.action = a;
  pr.path = path;
  pr.ttl = ttl;
  pr.sent_ns = now();
  pr.in_label = in_label;
  pr.entropy = std::move(entropy);
  pr.asked = std::move(asked);
  const uint64_t key = key_of(uint32_t(a + 1), seq);
  pending_[key] = std::move(pr);
  at_(now() + act.timeout_ns, [this, key] { on_timeout(key); });
}

void OamAgent::on_timeout(uint64_t key) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  Probe p = std::move(it->second);
  pending_.erase(it);
  if (actions_[p.action].kind == OamActionSpec::Kind::ping) return;  // replies[s] stays unanswered
  OamPath& path = results_[p.action].paths[p.path];
  OamHop h;
  h.ttl = p.ttl;
  h.in_label = p.in_label;
  path.hops.push_back(h);
  path.end = fmt::format("no reply at TTL {}", p.ttl);
}

void OamAgent::on_reply(const oam::EchoPacket& reply, uint32_t from) {
  auto it = pending_.find(key_of(reply.sender_handle, reply.sequence));
  if (it == pending_.end()) return;  // late (timed out) or not ours
  Probe p = std::move(it->second);
  pending_.erase(it);
  OamResult& res = results_[p.action];
  ++res.received;
  OamHop h;
  h.responder = name_of(from);
  h.address = oam::ipv4_to_string(from);
  h.replied = true;
  h.return_code = reply.return_code;
  h.return_subcode = reply.return_subcode;
  h.return_text = std::string(oam::return_code_text(reply.return_code));
  if (auto rsc = h.return_text.find("<RSC>"); rsc != std::string::npos)
    h.return_text.replace(rsc, 5, std::to_string(reply.return_subcode));  // the stack depth
  h.rtt_us = double(now() - p.sent_ns) / 1e3;
  if (actions_[p.action].kind == OamActionSpec::Kind::ping) {
    h.ttl = p.ttl + 1;
    res.replies[p.ttl] = std::move(h);
    return;
  }
  h.ttl = p.ttl;
  h.in_label = p.in_label;
  for (const oam::Ddmap& d : reply.ddmaps) {
    OamHop::Downstream ds;
    ds.router = name_of(d.ds_address);
    for (const oam::DsLabel& l : d.labels) ds.labels.push_back(l.label);
    h.downstreams.push_back(std::move(ds));
  }
  const size_t path = p.path;
  results_[p.action].paths[path].hops.push_back(h);
  if (reply.return_code == uint8_t(oam::ReturnCode::egress)) {
    res.paths[path].complete = true;
    return;
  }
  if (reply.return_code != uint8_t(oam::ReturnCode::label_switched) || reply.ddmaps.empty()) {
    res.paths[path].end = fmt::format("{} answered {} ({})", h.responder, h.return_code, h.return_text);
    return;
  }
  // Where the next probe goes: every branch with multipath (each with the
  // part of the label set that takes it), else the one the fast path's
  // hash picks for a stack with nothing below the LSP label (with the
  // responder's ECMP seed, as its tables have it).
  std::vector<size_t> branches;
  if (actions_[p.action].multipath) {
    for (size_t k = 0; k < reply.ddmaps.size(); ++k) branches.push_back(k);
  } else {
    const dp::Router* responder = bb_.router(h.responder);
    const uint32_t seed = responder ? dp::ecmp_seed_of(responder->state()) : 0;
    branches.push_back(ecmp_mix(oam::TableView::ecmp_hash({}), seed) % reply.ddmaps.size());
  }
  const OamPath snapshot = res.paths[path];
  std::vector<std::vector<uint32_t>> sets(branches.size());
  bool any = !actions_[p.action].multipath;
  if (actions_[p.action].multipath)
    for (size_t i = 0; i < branches.size(); ++i) {
      const oam::Ddmap& d = reply.ddmaps[branches[i]];
      if (d.multipath) sets[i] = d.multipath->labels();
      any |= !sets[i].empty();
    }
  bool reused = false;  // the first branch goes on as this path; the others fork
  for (size_t i = 0; i < branches.size(); ++i) {
    const oam::Ddmap& d = reply.ddmaps[branches[i]];
    size_t target = path;
    if (reused) {
      res.paths.push_back(snapshot);
      target = res.paths.size() - 1;
    }
    const bool unreached = actions_[p.action].multipath && sets[i].empty();
    if (unreached && any && !reused) {  // keep this path for a branch that is taken
      res.paths.push_back(snapshot);
      target = res.paths.size() - 1;
    } else {
      reused = true;
    }
    if (unreached) {
      // No label of the set reaches this branch: the same hash at every
      // router (ECMP polarization) sends all of it another way.
      OamPath& u = res.paths[target];
      u.unreached.router = name_of(d.ds_address);
      for (const oam::DsLabel& l : d.labels) u.unreached.labels.push_back(l.label);
      u.end = fmt::format("{} names a branch to {} that no entropy label of the set takes", h.responder,
                          u.unreached.router);
      continue;
    }
    std::optional<uint32_t> next_label;
    if (!d.labels.empty() && d.labels.front().label != kLabelImplicitNull) next_label = d.labels.front().label;
    oam::Ddmap asked = d;
    asked.return_code = 0;
    asked.return_subcode = 0;
    trace_probe(p.action, target, p.ttl + 1, next_label, std::move(sets[i]), asked);
  }
}

bool OamAgent::poll() {
  if (pending_.empty() && bfd_.empty()) return false;
  sent_ = false;
  std::vector<uint8_t> buf;
  rte_mbuf* frames[32];
  dp::OamPuntReason reasons[32];
  const auto& routers = bb_.routers();
  for (uint32_t r = 0; r < routers.size(); ++r) {
    for (unsigned n; (n = routers[r]->drain_oam(frames, reasons, 32)) > 0;) {
      for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = frames[i];
        buf.resize(rte_pktmbuf_pkt_len(m));
        const auto* d = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, uint32_t(buf.size()), buf.data()));
        if (!d) {
          ++unusable_;
          rte_pktmbuf_free(m);
          continue;
        }
        if (d != buf.data()) std::memcpy(buf.data(), d, buf.size());
        rte_pktmbuf_free(m);
        // The label stack as received, then IPv4/UDP.
        oam::Received rx;
        size_t off = dp::kEtherHeaderLen;
        if (buf.size() >= off && dp::load_be16(buf.data() + 12) == dp::kEtherTypeMpls) {
          for (unsigned k = 0; k < dp::kMaxStackDepth && off + 4 <= buf.size(); ++k) {
            const uint32_t w = dp::load_be32(buf.data() + off);
            rx.label_stack.push_back(w);
            off += 4;
            if (dp::lse::bos(w)) break;
          }
        }
        if (!rx.label_stack.empty() && off + oam::kAchLen <= buf.size() && oam::is_ach(buf.data() + off)) {
          // VCCV (the PW's associated channel): raw BFD for a session here.
          if (dp::load_be16(buf.data() + off + 2) == oam::channel::bfd_raw)
            on_bfd(r, dp::lse::label(rx.label_stack.back()),
                   std::span<const uint8_t>(buf.data() + off + oam::kAchLen, buf.size() - off - oam::kAchLen));
          else
            ++unusable_;
          continue;
        }
        if (off > buf.size() ||
            oam::parse_ipv4_udp(std::span<const uint8_t>(buf.data() + off, buf.size() - off), rx.ip) !=
                oam::IpError::ok) {
          ++unusable_;
          continue;
        }
        const oam::DecodeResult dec = oam::decode(rx.ip.payload);
        if (dec.status != oam::DecodeResult::Status::truncated_header &&
            dec.packet.type == uint8_t(oam::MessageType::echo_reply)) {
          if (dec.ok()) on_reply(dec.packet, rx.ip.header.src);
          else ++unusable_;
          continue;
        }
        // A request (or a message the responder must judge): answer it
        // from this router's tables as they are now.
        rx.ttl_expired = reasons[i] == dp::OamPuntReason::ttl_expired;
        ntp(now(), rx.timestamp_seconds, rx.timestamp_fraction);
        auto view = oam::view_from_state(routers[r]->state(), inputs_[r]);
        if (!view) {
          ++unusable_;
          continue;
        }
        auto reply = oam::respond(rx.ip.payload, rx, *view);
        if (!reply) continue;
        if (route(r, reply->ip.dst, reply->encode())) ++answered_;
        else ++unusable_;
      }
    }
  }
  return sent_;
}

}  // namespace l2vpn::sim
