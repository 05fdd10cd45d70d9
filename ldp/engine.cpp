// Discovery and the session state machine (RFC 5036 2.4, 2.5). Label
// distribution is in lib.cpp.
#include <algorithm>

#include <fmt/format.h>

#include "ldp/engine.hpp"

namespace l2vpn::ldp {

const char* state_name(SessionState s) {
  switch (s) {
    case SessionState::NonExistent: return "NON EXISTENT";
    case SessionState::Initialized: return "INITIALIZED";
    case SessionState::OpenSent: return "OPENSENT";
    case SessionState::OpenRec: return "OPENREC";
    case SessionState::Operational: return "OPERATIONAL";
  }
  return "?";
}

namespace {
Time secs(unsigned s) { return std::chrono::duration_cast<Time>(Seconds(s)); }
constexpr uint16_t kInfinite = 0xffff;
}  // namespace

Engine::Engine(Config cfg) : cfg_(std::move(cfg)) {
  next_label_ = cfg_.label_min;
  routing_.lsr_id = cfg_.lsr_id;
}

std::vector<Action> Engine::take_actions() {
  for (auto& [id, s] : sessions_) flush(s);
  std::vector<Action> out;
  out.swap(actions_);
  return out;
}

bool Engine::has_actions() const {
  if (!actions_.empty()) return true;
  for (const auto& [id, s] : sessions_)
    if (!s.outbox.empty()) return true;
  return false;
}

std::vector<Adjacency> Engine::adjacencies() const {
  std::vector<Adjacency> out;
  for (const auto& [k, a] : adjacencies_) out.push_back(a);
  return out;
}

Time Engine::next_deadline() const {
  Time t = std::min(next_link_hello_, next_targeted_hello_);
  for (const auto& [k, a] : adjacencies_) t = std::min(t, a.expires);
  for (const auto& [id, s] : sessions_) {
    if (s.state == SessionState::NonExistent) {
      if (s.active && !s.connecting) t = std::min(t, s.retry_at);
    } else if (s.state == SessionState::Operational || s.state == SessionState::OpenRec) {
      t = std::min({t, s.next_keepalive, s.last_rx + secs(s.keepalive)});
    } else {
      t = std::min(t, s.since + secs(cfg_.init_timeout));
    }
  }
  return t;
}

// ---- discovery ----

void Engine::send_hellos(Time now) {
  auto hello = [&](bool targeted) {
    Message m;
    m.type = msg::Hello;
    m.id = next_id();
    m.hello_holdtime = targeted ? cfg_.targeted_hello_holdtime : cfg_.link_hello_holdtime;
    m.targeted = targeted;
    m.request_targeted = targeted;
    m.transport_address = cfg_.lsr_id;
    return encode(Pdu{cfg_.lsr_id, 0, {m}});
  };
  if (now >= next_link_hello_) {
    next_link_hello_ = now + secs(cfg_.link_hello_interval);
    for (const auto& ifname : cfg_.interfaces) {
      actions_.push_back(Action{Action::Kind::SendHello, ifname, kAllRouters, 0, hello(false)});
      ++counters_.hellos_out;
    }
  }
  if (now >= next_targeted_hello_) {
    next_targeted_hello_ = now + secs(cfg_.targeted_hello_interval);
    std::set<uint32_t> to(cfg_.targeted_neighbors.begin(), cfg_.targeted_neighbors.end());
    for (uint32_t pe : pws_.peers()) to.insert(pe);
    for (const auto& [k, a] : adjacencies_)
      if (k.interface.empty()) to.insert(a.source);
    for (uint32_t addr : to) {
      actions_.push_back(Action{Action::Kind::SendHello, "", addr, 0, hello(true)});
      ++counters_.hellos_out;
    }
  }
}

void Engine::on_hello(const std::string& interface, uint32_t source,
                      std::span<const uint8_t> bytes, Time now) {
  now_ = now;
  auto d = decode(bytes);
  if (d.fatal || d.pdu.messages.size() != 1 || d.pdu.messages[0].type != msg::Hello) {
    ++counters_.bad_pdus;
    return;
  }
  const Message& m = d.pdu.messages[0];
  if (d.pdu.lsr_id == cfg_.lsr_id || d.pdu.label_space != 0) return;
  ++counters_.hellos_in;
  uint16_t ours;
  if (interface.empty()) {
    if (!m.targeted) return;
    bool configured = std::find(cfg_.targeted_neighbors.begin(), cfg_.targeted_neighbors.end(),
                                source) != cfg_.targeted_neighbors.end() ||
                      pws_.peers().count(source);
    if (!configured && !(cfg_.accept_targeted && m.request_targeted)) return;
    ours = cfg_.targeted_hello_holdtime;
  } else {
    if (m.targeted) return;
    if (std::find(cfg_.interfaces.begin(), cfg_.interfaces.end(), interface) ==
        cfg_.interfaces.end())
      return;
    ours = cfg_.link_hello_holdtime;
  }
  uint16_t theirs = m.hello_holdtime ? m.hello_holdtime : (interface.empty() ? 45 : 15);
  uint16_t hold = std::min(ours, theirs);
  AdjKey key{d.pdu.lsr_id, interface, source};
  bool is_new = !adjacencies_.count(key);
  Adjacency& a = adjacencies_[key];
  a.lsr_id = d.pdu.lsr_id;
  a.interface = interface;
  a.source = source;
  a.transport = m.transport_address.value_or(source);
  a.holdtime = hold;
  a.expires = hold == kInfinite ? Time::max() : now + secs(hold);
  if (is_new && interface.empty()) next_targeted_hello_ = now;  // answer at once
  ensure_session(a.lsr_id, a.transport, now);
}

void Engine::expire_adjacencies(Time now) {
  std::set<uint32_t> lost;
  for (auto it = adjacencies_.begin(); it != adjacencies_.end();) {
    if (it->second.expires <= now) {
      lost.insert(it->first.lsr_id);
      it = adjacencies_.erase(it);
    } else {
      ++it;
    }
  }
  for (uint32_t id : lost) {
    bool any = std::any_of(adjacencies_.begin(), adjacencies_.end(),
                           [&](const auto& kv) { return kv.first.lsr_id == id; });
    if (any) continue;
    auto it = sessions_.find(id);
    if (it == sessions_.end()) continue;
    Session& s = it->second;
    if (s.state != SessionState::NonExistent)
      notify(s, status::HoldTimerExpired, 0, 0, "hello adjacency expired");
    close_session(s, now, "hello adjacency expired");
    sessions_.erase(it);
  }
}

void Engine::ensure_session(uint32_t lsr_id, uint32_t transport, Time now) {
  auto [it, fresh] = sessions_.try_emplace(lsr_id);
  if (!fresh) return;
  Session& s = it->second;
  s.lsr_id = lsr_id;
  s.transport = transport;
  s.active = cfg_.lsr_id > transport;  // RFC 5036 2.5.2: the larger address opens
  s.retry_backoff = cfg_.connect_retry;
  s.retry_at = now;
  if (s.active) start_connect(s, now);
}

// ---- sessions ----

void Engine::start_connect(Session& s, Time now) {
  s.connecting = true;
  s.since = now;
  actions_.push_back(Action{Action::Kind::Connect, "", s.transport, s.lsr_id, {}});
}

std::optional<uint32_t> Engine::on_accept(uint32_t remote, Time now) {
  now_ = now;
  for (auto& [id, s] : sessions_) {
    if (s.transport != remote || s.active) continue;
    // The peer opens a new connection only when it has no session: it has
    // restarted. The old one is dead; the runtime replaces its socket.
    if (s.state != SessionState::NonExistent)
      close_session(s, now, "peer opened a new connection", false);
    s.state = SessionState::Initialized;
    s.since = now;
    s.last_rx = now;
    s.rx.clear();
    return id;
  }
  return std::nullopt;
}

void Engine::on_connected(uint32_t peer, Time now) {
  now_ = now;
  auto it = sessions_.find(peer);
  if (it == sessions_.end() || !it->second.connecting) {
    actions_.push_back(Action{Action::Kind::Close, "", 0, peer, {}});
    return;
  }
  Session& s = it->second;
  s.connecting = false;
  s.rx.clear();
  s.state = SessionState::OpenSent;
  s.since = now;
  s.last_rx = now;
  send_init(s);
}

void Engine::on_connect_failed(uint32_t peer, Time now) {
  now_ = now;
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return;
  Session& s = it->second;
  s.connecting = false;
  s.retry_at = now + secs(s.retry_backoff);
  s.retry_backoff = uint16_t(std::min(30, s.retry_backoff * 2));
}

// Messages wait in the session's outbox until the runtime takes the actions
// (or the session closes): the answers to one read go out packed in as few
// PDUs as fit, not one PDU per message.
void Engine::send_pdu(Session& s, std::vector<Message> msgs) {
  for (auto& m : msgs) s.outbox.push_back(std::move(m));
}

void Engine::flush(Session& s) {
  if (s.outbox.empty()) return;
  std::vector<Message> msgs;
  msgs.swap(s.outbox);
  Pdu pdu{cfg_.lsr_id, 0, {}};
  size_t size = 10;
  auto flush = [&] {
    if (pdu.messages.empty()) return;
    actions_.push_back(Action{Action::Kind::Send, "", 0, s.lsr_id, encode(pdu)});
    ++counters_.pdus_out;
    pdu.messages.clear();
    size = 10;
  };
  for (auto& m : msgs) {
    size_t len = encode_message(m).size();
    if (size + len > kMaxPdu) flush();
    size += len;
    pdu.messages.push_back(std::move(m));
  }
  flush();
}

void Engine::send_init(Session& s) {
  Message m;
  m.type = msg::Init;
  m.id = next_id();
  m.session.keepalive = cfg_.keepalive;
  m.session.receiver_lsr_id = s.lsr_id;
  m.cap_typed_wildcard = true;
  m.cap_unrecognized_notif = true;
  send_pdu(s, {m});
}

void Engine::send_keepalive(Session& s, Time now) {
  Message m;
  m.type = msg::KeepAlive;
  m.id = next_id();
  send_pdu(s, {m});
  s.next_keepalive = now + std::max(Time(1000), secs(s.keepalive) / 3);
}

void Engine::notify(Session& s, uint32_t code, uint32_t msg_id, uint16_t msg_type,
                    const std::string& why) {
  Message m;
  m.type = msg::Notification;
  m.id = next_id();
  m.status = Status{code, msg_id, msg_type};
  send_pdu(s, {m});
  ++counters_.notifications_out;
  if (code & status::Fatal) s.last_error = fmt::format("sent {}: {}", status_name(code), why);
}

void Engine::close_session(Session& s, Time now, const std::string& why, bool tcp_close) {
  bool was_up = s.state == SessionState::Operational;
  if (tcp_close)
    flush(s);  // the notification goes before the close
  else
    s.outbox.clear();
  if (tcp_close && (s.state != SessionState::NonExistent || s.connecting))
    actions_.push_back(Action{Action::Kind::Close, "", 0, s.lsr_id, {}});
  if (s.last_error.empty()) s.last_error = why;
  s.state = SessionState::NonExistent;
  s.connecting = false;
  s.since = now;
  s.rx.clear();
  s.addresses.clear();
  s.received.clear();
  s.sent.clear();
  s.end_of_lib_received = false;
  s.retry_at = now + secs(s.retry_backoff);
  s.retry_backoff = uint16_t(std::min(30, s.retry_backoff * 2));
  if (was_up) {
    ++counters_.sessions_down;
    pws_.session_down(s.lsr_id);
    recompute();
  }
}

void Engine::on_closed(uint32_t peer, Time now) {
  now_ = now;
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return;
  if (it->second.connecting) {
    on_connect_failed(peer, now);
    return;
  }
  if (it->second.state != SessionState::NonExistent)
    close_session(it->second, now, "connection closed by peer", false);
}

void Engine::on_data(uint32_t peer, std::span<const uint8_t> bytes, Time now) {
  now_ = now;
  auto it = sessions_.find(peer);
  if (it == sessions_.end() || it->second.state == SessionState::NonExistent) return;
  Session& s = it->second;
  s.rx.insert(s.rx.end(), bytes.begin(), bytes.end());
  size_t off = 0;
  bool changed = false;
  while (s.state != SessionState::NonExistent) {
    auto f = frame_length(std::span(s.rx).subspan(off));
    if (f.problem) {
      ++counters_.bad_pdus;
      notify(s, f.problem->status, 0, 0, f.problem->what);
      close_session(s, now, f.problem->what);
      return;
    }
    if (f.need == 0) break;
    auto d = decode(std::span(s.rx).subspan(off, f.need));
    off += f.need;
    ++counters_.pdus_in;
    s.last_rx = now;
    for (const auto& p : d.problems) {
      ++counters_.bad_pdus;
      notify(s, p.status, p.message_id, p.message_type, p.what);
    }
    if (d.fatal) {
      ++counters_.bad_pdus;
      notify(s, d.fatal->status, d.fatal->message_id, d.fatal->message_type, d.fatal->what);
      close_session(s, now, d.fatal->what);
      return;
    }
    if (d.pdu.lsr_id != s.lsr_id || d.pdu.label_space != 0) {
      ++counters_.bad_pdus;
      std::string why = fmt::format("PDU from LDP id {}:{} on the session with {}",
                                    ip_string(d.pdu.lsr_id), d.pdu.label_space,
                                    ip_string(s.lsr_id));
      notify(s, status::BadLdpId, 0, 0, why);
      close_session(s, now, why);
      return;
    }
    handle_pdu(s, d.pdu, now);
    changed = true;
  }
  if (s.state != SessionState::NonExistent) s.rx.erase(s.rx.begin(), s.rx.begin() + off);
  if (changed && s.state == SessionState::Operational) recompute();
}

void Engine::handle_pdu(Session& s, const Pdu& pdu, Time now) {
  for (const auto& m : pdu.messages) {
    if (s.state == SessionState::NonExistent) return;
    if (m.type == msg::Notification) {
      ++counters_.notifications_in;
      uint32_t code = m.status->code;
      if ((code & 0x3fffffff) == (status::EndOfLib & 0x3fffffff)) {
        s.end_of_lib_received = true;
      } else if ((code & 0x3fffffff) == status::PwStatus && s.state == SessionState::Operational) {
        PseudowireTable::Out out;
        pws_.on_message(s.lsr_id, m, out);
        send_pw(out);
      } else if (code & status::Fatal) {
        s.last_error = fmt::format("received {}", status_name(code));
        close_session(s, now, s.last_error);
        return;
      }
      continue;
    }
    switch (s.state) {
      case SessionState::Initialized:
      case SessionState::OpenSent:
        if (m.type != msg::Init) {
          std::string why = fmt::format("{} before Initialization", message_name(m.type));
          notify(s, status::Shutdown, m.id, m.type, why);
          close_session(s, now, why);
          return;
        }
        handle_init(s, m, now);
        break;
      case SessionState::OpenRec:
        if (m.type == msg::KeepAlive) {
          become_operational(s, now);
        } else {
          std::string why = fmt::format("{} before KeepAlive", message_name(m.type));
          notify(s, status::Shutdown, m.id, m.type, why);
          close_session(s, now, why);
          return;
        }
        break;
      case SessionState::Operational:
        switch (m.type) {
          case msg::Init: {
            notify(s, status::Shutdown, m.id, m.type, "Initialization on an open session");
            close_session(s, now, "Initialization on an open session");
            return;
          }
          case msg::Address:
          case msg::AddressWithdraw:
            if (is_mac_withdraw(m))
              macw_.on_message(s.lsr_id, m, pws_);
            else
              handle_address(s, m);
            break;
          case msg::LabelMapping:
          case msg::LabelRequest:
          case msg::LabelWithdraw:
          case msg::LabelRelease:
          case msg::LabelAbort:
            handle_label_message(s, m);
            break;
          default:  // KeepAlive (the PDU already refreshed the timer), Capability
            break;
        }
        break;
      case SessionState::NonExistent:
        return;
    }
  }
}

void Engine::handle_init(Session& s, const Message& m, Time now) {
  const auto& p = m.session;
  std::optional<std::pair<uint32_t, std::string>> reject;
  if (p.receiver_lsr_id != cfg_.lsr_id || p.receiver_label_space != 0)
    reject = {status::SessionRejectedNoHello,
              fmt::format("Initialization for {}:{}, we are {}:0", ip_string(p.receiver_lsr_id),
                          p.receiver_label_space, ip_string(cfg_.lsr_id))};
  else if (p.protocol_version != kVersion)
    reject = {status::BadProtoVersion, fmt::format("protocol version {}", p.protocol_version)};
  else if (p.keepalive == 0)
    reject = {status::SessionRejectedBadKeepAlive, "KeepAlive time 0"};
  if (reject) {
    notify(s, reject->first, m.id, m.type, reject->second);
    close_session(s, now, reject->second);
    return;
  }
  s.keepalive = std::min(cfg_.keepalive, p.keepalive);
  s.peer_typed_wildcard = m.cap_typed_wildcard;
  s.peer_unrecognized_notif = m.cap_unrecognized_notif;
  if (s.state == SessionState::Initialized) send_init(s);
  s.state = SessionState::OpenRec;
  send_keepalive(s, now);
}

void Engine::become_operational(Session& s, Time now) {
  s.state = SessionState::Operational;
  s.since = now;
  s.retry_backoff = cfg_.connect_retry;
  s.last_error.clear();
  ++counters_.sessions_up;
  advertise_all(s);
  PseudowireTable::Out out;
  pws_.session_up(s.lsr_id, out);
  send_pw(out);
}

void Engine::tick(Time now) {
  now_ = now;
  send_hellos(now);
  expire_adjacencies(now);
  expire_holddown(now);
  expire_retained(now);
  for (auto& [id, s] : sessions_) {
    switch (s.state) {
      case SessionState::NonExistent:
        if (s.active && !s.connecting && now >= s.retry_at) start_connect(s, now);
        break;
      case SessionState::Initialized:
      case SessionState::OpenSent:
        if (now >= s.since + secs(cfg_.init_timeout)) {
          notify(s, status::Shutdown, 0, 0, "initialization timed out");
          close_session(s, now, "initialization timed out");
        }
        break;
      case SessionState::OpenRec:
      case SessionState::Operational:
        if (now >= s.last_rx + secs(s.keepalive)) {
          notify(s, status::KeepAliveExpired, 0, 0, "no PDU within the KeepAlive time");
          close_session(s, now, "KeepAlive timer expired");
        } else if (now >= s.next_keepalive) {
          send_keepalive(s, now);
        }
        break;
    }
  }
}

void Engine::shutdown(Time now) {
  for (auto& [id, s] : sessions_) {
    if (s.state == SessionState::NonExistent) continue;
    notify(s, status::Shutdown, 0, 0, "router stopping");
    close_session(s, now, "router stopping");
  }
}

}  // namespace l2vpn::ldp
