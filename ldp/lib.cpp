// Label distribution (RFC 5036 2.6, 3.5.7-3.5.11, A.1): downstream
// unsolicited, liberal retention, ordered control. A FEC's local label is
// allocated once and kept while the FEC is routed, whatever its next hops
// do, so an upstream router's label for it stays valid across a reroute.
#include <algorithm>

#include "ldp/engine.hpp"

namespace l2vpn::ldp {

std::optional<uint32_t> Engine::allocate_label() {
  if (next_label_ >= cfg_.label_min && next_label_ <= cfg_.label_max) return next_label_++;
  if (free_labels_.empty()) return std::nullopt;
  uint32_t l = free_labels_.front();
  free_labels_.pop_front();
  return l;
}

void Engine::free_label(uint32_t label) {
  if (label >= 16) free_labels_.push_back(label);
}

void Engine::expire_retained(Time now) {
  for (auto it = retained_.begin(); it != retained_.end();) {
    if (now >= it->second.second + std::chrono::duration_cast<Time>(Seconds(cfg_.label_retention))) {
      free_label(it->second.first);
      it = retained_.erase(it);
    } else {
      ++it;
    }
  }
}

void Engine::expire_holddown(Time now) {
  bool changed = false;
  for (auto it = fecs_.begin(); it != fecs_.end();) {
    if (it->second.gone_since && now >= *it->second.gone_since + Time(cfg_.route_holddown_ms)) {
      if (it->second.label) retained_[it->first] = {*it->second.label, now};
      it = fecs_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (changed) recompute();
}

std::optional<uint32_t> Engine::local_label(const Prefix& fec) const {
  auto it = advertised_.find(fec);
  if (it == advertised_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> Engine::peer_of_address(uint32_t next_hop) const {
  for (const auto& [id, s] : sessions_)
    if (s.state == SessionState::Operational && s.addresses.count(next_hop)) return id;
  return std::nullopt;
}

void Engine::set_routing(const RoutingView& view, Time now) {
  now_ = now;
  std::set<uint32_t> before(routing_.interface_addresses.begin(),
                            routing_.interface_addresses.end());
  std::set<uint32_t> after(view.interface_addresses.begin(), view.interface_addresses.end());
  routing_ = view;
  routing_.lsr_id = cfg_.lsr_id;
  // Addresses we advertise changed: tell every open session the difference.
  Message add, del;
  add.type = msg::Address;
  del.type = msg::AddressWithdraw;
  for (uint32_t a : after)
    if (!before.count(a) && a != cfg_.lsr_id) add.addresses.push_back(a);
  for (uint32_t a : before)
    if (!after.count(a) && a != cfg_.lsr_id) del.addresses.push_back(a);
  for (auto& [id, s] : sessions_) {
    if (s.state != SessionState::Operational) continue;
    std::vector<Message> out;
    for (Message* m : {&add, &del})
      if (!m->addresses.empty()) {
        m->id = next_id();
        out.push_back(*m);
      }
    if (!out.empty()) send_pdu(s, std::move(out));
  }
  std::map<Prefix, FecState> next;
  for (const auto& r : view.routes) {
    FecState& st = next[r.prefix];
    st.egress = r.connected;
    st.next_hops = r.next_hops;
    std::sort(st.next_hops.begin(), st.next_hops.end());
  }
  for (const auto& p : view.local_fecs) {
    next[p].egress = true;
    next[p].next_hops.clear();
  }
  for (auto& [fec, st] : fecs_) {
    auto it = next.find(fec);
    if (it == next.end()) {
      if (cfg_.route_holddown_ms > 0) {  // still advertised until expire_holddown
        FecState& held = next[fec];
        held = st;
        if (!held.gone_since) held.gone_since = now;
      } else if (st.label) {
        retained_[fec] = {*st.label, now};
      }
    } else {
      it->second.label = st.label;  // stable across next-hop changes
    }
  }
  for (auto& [fec, st] : next) {  // back within the retention time: its label again
    auto r = retained_.find(fec);
    if (r == retained_.end()) continue;
    if (!st.label) st.label = r->second.first;
    retained_.erase(r);
  }
  fecs_ = std::move(next);
  recompute();
}

std::optional<uint32_t> Engine::desired_label(const Prefix& fec, const FecState& st) const {
  if (st.egress) return cfg_.explicit_null ? kExplicitNull : kImplicitNull;
  // Ordered control: only once a next hop's LSR has given us its label.
  for (uint32_t nh : st.next_hops) {
    auto peer = peer_of_address(nh);
    if (!peer) continue;
    const Session& s = sessions_.at(*peer);
    if (s.received.count(fec)) return st.label ? st.label : std::optional<uint32_t>(0);
  }
  return std::nullopt;
}

void Engine::recompute() {
  std::map<Prefix, uint32_t> want;
  for (auto& [fec, st] : fecs_) {
    auto l = desired_label(fec, st);
    if (!l) continue;
    if (!st.egress) {
      if (!st.label) st.label = allocate_label();
      if (!st.label) continue;  // label range exhausted: not advertised
      l = st.label;
    }
    want[fec] = *l;
  }
  advertised_ = std::move(want);
  for (auto& [id, s] : sessions_)
    if (s.state == SessionState::Operational) sync_peer(s);
  publish();
}

void Engine::sync_peer(Session& s) {
  std::vector<Message> out;
  auto label_msg = [&](uint16_t type, const Prefix& fec, uint32_t label) {
    Message m;
    m.type = type;
    m.id = next_id();
    m.fecs = {FecElement::of(fec)};
    m.label = label;
    out.push_back(std::move(m));
  };
  for (auto it = s.sent.begin(); it != s.sent.end();) {
    auto w = advertised_.find(it->first);
    if (w == advertised_.end() || w->second != it->second) {
      label_msg(msg::LabelWithdraw, it->first, it->second);
      ++counters_.withdraws_out;
      it = s.sent.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [fec, label] : advertised_) {
    auto [it, fresh] = s.sent.try_emplace(fec, label);
    if (!fresh) continue;
    label_msg(msg::LabelMapping, fec, label);
    ++counters_.mappings_out;
  }
  if (!out.empty()) send_pdu(s, std::move(out));
}

void Engine::advertise_all(Session& s) {
  s.sent.clear();
  std::vector<uint32_t> addrs = routing_.interface_addresses;
  if (std::find(addrs.begin(), addrs.end(), cfg_.lsr_id) == addrs.end())
    addrs.insert(addrs.begin(), cfg_.lsr_id);
  Message a;
  a.type = msg::Address;
  a.id = next_id();
  a.addresses = addrs;
  send_pdu(s, {a});
  sync_peer(s);
  if (s.peer_unrecognized_notif) {  // RFC 5919: the initial dump is complete
    Message eol;
    eol.type = msg::Notification;
    eol.id = next_id();
    eol.status = Status{status::EndOfLib, 0, 0};
    eol.fecs = {FecElement::typed_wildcard_ipv4()};
    send_pdu(s, {eol});
  }
  publish();
}

void Engine::handle_address(Session& s, const Message& m) {
  for (uint32_t a : m.addresses) {
    if (m.type == msg::Address)
      s.addresses.insert(a);
    else
      s.addresses.erase(a);
  }
}

void Engine::set_pseudowires(std::vector<PseudowireConfig> pws, Time now) {
  now_ = now;
  auto before = pws_.peers();
  PseudowireTable::Out out;
  pws_.configure(
      std::move(pws), [this] { return allocate_label(); },
      [this](uint32_t l) { free_label(l); }, out);
  send_pw(out);
  if (pws_.peers() != before) next_targeted_hello_ = now;  // a new PE: discover it now
}

size_t Engine::send_mac_withdraw(uint32_t vsi_id, const std::vector<Mac>& macs, Time now) {
  now_ = now;
  PseudowireTable::Out out;
  size_t n = macw_.withdraw(vsi_id, macs, pws_, out);
  send_pw(out);
  return n;
}

void Engine::send_pw(PseudowireTable::Out& out) {
  for (auto& [peer, msgs] : out) {
    auto it = sessions_.find(peer);
    if (it == sessions_.end() || it->second.state != SessionState::Operational || msgs.empty())
      continue;
    for (auto& m : msgs) m.id = next_id();
    send_pdu(it->second, std::move(msgs));
  }
  out.clear();
}

// PW FECs (FEC 128, typed wildcards of it) go to the pseudowire table; a plain
// wildcard names both kinds; the prefixes stay here.
void Engine::handle_label_message(Session& s, const Message& in) {
  auto is_pw = [](const FecElement& f) {
    return f.kind == FecElement::Kind::Pwid ||
           (f.kind == FecElement::Kind::TypedWildcard && f.typed_type == fec_type::Pwid);
  };
  bool any_pw = false, any_prefix = false;
  for (const auto& f : in.fecs) {
    bool pw = is_pw(f) || f.kind == FecElement::Kind::Wildcard;
    any_pw |= pw;
    any_prefix |= !is_pw(f);
  }
  if (any_pw) {
    Message pm = in;
    std::erase_if(pm.fecs, [&](const FecElement& f) {
      return !is_pw(f) && f.kind != FecElement::Kind::Wildcard;
    });
    PseudowireTable::Out out;
    pws_.on_message(s.lsr_id, pm, out);
    send_pw(out);
  }
  if (!any_prefix) return;
  Message m = in;
  std::erase_if(m.fecs, is_pw);
  auto covers_prefixes = [](const FecElement& f) {
    return f.kind == FecElement::Kind::Wildcard ||
           (f.kind == FecElement::Kind::TypedWildcard && f.typed_type == 2 &&
            (f.typed_family == 1 || f.typed_family == 0));
  };
  std::vector<Message> out;
  auto reply = [&](uint16_t type, std::vector<FecElement> fecs, std::optional<uint32_t> label) {
    Message r;
    r.type = type;
    r.id = next_id();
    r.fecs = std::move(fecs);
    r.label = label;
    if (type == msg::LabelMapping && m.type == msg::LabelRequest) r.request_id = m.id;
    out.push_back(std::move(r));
  };
  switch (m.type) {
    case msg::LabelMapping:
      for (const auto& f : m.fecs) {
        if (f.kind != FecElement::Kind::Prefix) continue;  // no wildcard in a mapping
        s.received[f.prefix] = *m.label;
        ++counters_.mappings_in;
      }
      break;
    case msg::LabelWithdraw:
      for (const auto& f : m.fecs) {
        ++counters_.withdraws_in;
        if (f.kind == FecElement::Kind::Prefix) {
          auto it = s.received.find(f.prefix);
          std::optional<uint32_t> label = m.label;
          if (it != s.received.end() && (!m.label || *m.label == it->second)) {
            label = it->second;
            s.received.erase(it);
          }
          reply(msg::LabelRelease, {f}, label);
        } else if (covers_prefixes(f)) {
          if (m.label) {
            std::erase_if(s.received, [&](const auto& kv) { return kv.second == *m.label; });
          } else {
            s.received.clear();
          }
          reply(msg::LabelRelease, {f}, m.label);
        }
        ++counters_.releases_out;
      }
      break;
    case msg::LabelRelease:
      // DU with liberal retention: a release of a mapping we still advertise
      // changes nothing; of one we withdrew, it is the expected answer.
      counters_.releases_in += m.fecs.size();
      break;
    case msg::LabelRequest:
      for (const auto& f : m.fecs) {
        if (f.kind == FecElement::Kind::Prefix) {
          auto it = advertised_.find(f.prefix);
          if (it == advertised_.end()) {
            notify(s, status::NoRoute, m.id, m.type, prefix_string(f.prefix));
            continue;
          }
          s.sent[f.prefix] = it->second;
          reply(msg::LabelMapping, {f}, it->second);
          ++counters_.mappings_out;
        } else if (covers_prefixes(f)) {
          s.sent.clear();  // sync_peer (recompute, after the PDU) sends them all
        }
      }
      break;
    default:  // Label Abort: we never wait on requests
      break;
  }
  if (!out.empty()) send_pdu(s, std::move(out));
}

void Engine::publish() {
  Bindings b;
  std::map<Prefix, FecBinding> fecs;
  for (const auto& [fec, label] : advertised_) {
    fecs[fec].fec = fec;
    fecs[fec].local_label = label;
  }
  for (const auto& [id, s] : sessions_) {  // sorted by LSR id
    if (s.state != SessionState::Operational) continue;
    for (const auto& [fec, label] : s.received) {
      auto& fb = fecs[fec];
      fb.fec = fec;
      fb.remote.push_back(PeerLabel{id, label});
    }
    b.peers.push_back(PeerAddresses{id, std::vector<uint32_t>(s.addresses.begin(), s.addresses.end())});
  }
  b.fecs.reserve(fecs.size());
  for (auto& [fec, fb] : fecs) b.fecs.push_back(std::move(fb));
  if (b != bindings_) {
    bindings_ = std::move(b);
    ++bindings_version_;
  }
}

}  // namespace l2vpn::ldp
