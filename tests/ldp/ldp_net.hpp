#pragma once
// A virtual network for LDP engines: links carry hellos between interfaces,
// "TCP" connections carry bytes between engines, time advances in steps.
// Links and whole routers can be cut, so hold timers and reroutes are tested
// in virtual time (the way the emulator can one day run the engine).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ldp/engine.hpp"

namespace l2vpn::ldp::test {

inline uint32_t ip(const char* s) { return *parse_ip(s); }

struct NetLink {
  std::string a, a_if, b, b_if;
  uint32_t a_addr, b_addr;
  bool up = true;
};

class Net {
 public:
  Engine& add(const std::string& name, const char* lsr, std::vector<std::string> ifs = {},
              Config base = {}) {
    base.lsr_id = ip(lsr);
    base.interfaces = std::move(ifs);
    engines_[name] = std::make_unique<Engine>(base);
    names_[base.lsr_id] = name;
    return *engines_[name];
  }
  Engine& operator[](const std::string& n) { return *engines_.at(n); }
  void link(const std::string& a, const std::string& a_if, const char* a_addr,
            const std::string& b, const std::string& b_if, const char* b_addr) {
    links_.push_back(NetLink{a, a_if, b, b_if, ip(a_addr), ip(b_addr)});
  }
  NetLink& find_link(const std::string& a, const std::string& b) {
    for (auto& l : links_)
      if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return l;
    throw std::runtime_error("no link");
  }
  // A dead router neither sends nor receives; its connections stay "open"
  // in its peers' view (no FIN), as when a process is SIGKILLed behind a
  // switch... until their KeepAlive timers run out.
  std::set<std::string> dead;
  // Connections cut with a RST (the peer sees on_closed) when set.
  bool reset_on_kill = false;

  Time now{0};
  void run_for(Time d, Time step = Time(100)) {
    for (Time end = now + d; now < end; now += step) {
      for (auto& [n, e] : engines_)
        if (!dead.count(n)) e->tick(now);
      pump();
    }
  }
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      for (auto& [n, e] : engines_) {
        auto acts = e->take_actions();
        if (dead.count(n)) continue;
        for (auto& a : acts) {
          any = true;
          deliver(n, a);
        }
      }
      if (!any) return;
    }
  }
  void kill(const std::string& n) {
    dead.insert(n);
    if (reset_on_kill) {
      uint32_t id = engines_.at(n)->config().lsr_id;
      for (auto& [other, e] : engines_)
        if (conns_.count({other, id})) {
          conns_.erase({other, id});
          e->on_closed(id, now);
        }
    }
    for (auto it = conns_.begin(); it != conns_.end();)
      it = it->first.first == n ? conns_.erase(it) : std::next(it);
  }
  void restart(const std::string& n) {
    dead.erase(n);
    Config c = engines_.at(n)->config();
    RoutingView v = engines_.at(n)->routing();
    engines_[n] = std::make_unique<Engine>(c);
    engines_[n]->set_routing(v, now);
  }
  std::vector<std::vector<uint8_t>> sent_bytes;  // every Send, for inspection

 private:
  void deliver(const std::string& from, const Action& a) {
    Engine& src = *engines_.at(from);
    uint32_t self = src.config().lsr_id;
    switch (a.kind) {
      case Action::Kind::SendHello:
        if (a.interface.empty()) {
          auto it = names_.find(a.address);
          if (it != names_.end() && !dead.count(it->second))
            engines_.at(it->second)->on_hello("", self, a.bytes, now);
        } else {
          for (auto& l : links_) {
            if (!l.up) continue;
            if (l.a == from && l.a_if == a.interface && !dead.count(l.b))
              engines_.at(l.b)->on_hello(l.b_if, l.a_addr, a.bytes, now);
            if (l.b == from && l.b_if == a.interface && !dead.count(l.a))
              engines_.at(l.a)->on_hello(l.a_if, l.b_addr, a.bytes, now);
          }
        }
        break;
      case Action::Kind::Connect: {
        auto it = names_.find(a.address);
        if (it == names_.end() || dead.count(it->second)) {
          src.on_connect_failed(a.peer, now);
          break;
        }
        auto got = engines_.at(it->second)->on_accept(self, now);
        if (!got) {
          src.on_connect_failed(a.peer, now);
          break;
        }
        conns_[{from, a.peer}] = it->second;
        conns_[{it->second, self}] = from;
        src.on_connected(a.peer, now);
        break;
      }
      case Action::Kind::Send: {
        sent_bytes.push_back(a.bytes);
        auto it = conns_.find({from, a.peer});
        if (it == conns_.end() || dead.count(it->second)) break;
        engines_.at(it->second)->on_data(self, a.bytes, now);
        break;
      }
      case Action::Kind::Close: {
        auto it = conns_.find({from, a.peer});
        if (it == conns_.end()) break;
        std::string other = it->second;
        conns_.erase(it);
        conns_.erase({other, self});
        if (!dead.count(other)) engines_.at(other)->on_closed(self, now);
        break;
      }
    }
  }
  std::map<std::string, std::unique_ptr<Engine>> engines_;
  std::map<uint32_t, std::string> names_;
  std::vector<NetLink> links_;
  std::map<std::pair<std::string, uint32_t>, std::string> conns_;
};

inline Route route(const char* prefix, std::vector<const char*> nhs) {
  Route r;
  r.prefix = Prefix{ip(prefix), 32};
  for (auto n : nhs) r.next_hops.push_back(ip(n));
  return r;
}

inline const FecBinding* binding(const Engine& e, const char* fec) {
  for (const auto& fb : e.bindings().fecs)
    if (fb.fec == Prefix{ip(fec), 32}) return &fb;
  return nullptr;
}

inline std::optional<uint32_t> remote_label(const Engine& e, const char* fec, const char* peer) {
  auto* fb = binding(e, fec);
  if (!fb) return std::nullopt;
  for (const auto& r : fb->remote)
    if (r.lsr_id == ip(peer)) return r.label;
  return std::nullopt;
}

}  // namespace l2vpn::ldp::test
