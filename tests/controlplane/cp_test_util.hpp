#pragma once
// Small topologies built in code for the control-plane tests, and a walker
// that follows label paths through emitted ForwardingStates only (port MACs
// tell which router is across a link), independent of the code under test.

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "controlplane/network.hpp"
#include "controlplane/topology.hpp"

namespace l2vpn::cp::test {

inline Router make_router(const std::string& name, size_t index, RouterRole role = RouterRole::pe) {
  Router r;
  r.name = name;
  r.role = role;
  r.loopback = "10.255." + std::to_string(index / 250) + "." + std::to_string(index % 250 + 1);
  r.labels = {uint32_t(1000 * (index + 1)), uint32_t(1000 * (index + 1) + 999)};
  return r;
}

struct Builder {
  Topology t;
  Builder& pe(const std::string& n) {
    t.routers.push_back(make_router(n, t.routers.size()));
    return *this;
  }
  Builder& p(const std::string& n) {
    t.routers.push_back(make_router(n, t.routers.size(), RouterRole::p));
    return *this;
  }
  Builder& link(const std::string& a, const std::string& b, uint32_t metric = 10) {
    Link l;
    l.a = a;
    l.b = b;
    l.metric = metric;
    t.links.push_back(l);
    return *this;
  }
  Builder& site(const std::string& n, const std::string& pe, uint16_t vlan = 0,
                AcMode mode = AcMode::raw) {
    Site s;
    s.name = n;
    s.pe = pe;
    s.vlan = vlan;
    s.mode = mode;
    t.sites.push_back(s);
    return *this;
  }
  Builder& vpws(const std::string& n, uint32_t pw_id, const std::string& a, const std::string& b) {
    VpwsService v;
    v.name = n;
    v.pw_id = pw_id;
    v.site_a = a;
    v.site_b = b;
    t.vpws.push_back(v);
    return *this;
  }
  Builder& vpls(const std::string& n, uint32_t vsi, std::vector<std::string> sites,
                BumMode bum = BumMode::ingress_replication) {
    VplsService v;
    v.name = n;
    v.vsi_id = vsi;
    v.sites = std::move(sites);
    v.bum_mode = bum;
    t.vpls.push_back(v);
    return *this;
  }
};

// Ring of n PEs plus `chords` random chords: 2-connected. Metrics 1..maxm,
// small so that equal-cost paths happen. Deterministic for a seed.
inline Topology random_two_connected(uint32_t seed, int n, int chords, uint32_t maxm = 4) {
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t k) { return uint32_t(rng() % k); };
  Builder b;
  for (int i = 0; i < n; ++i) {
    if (i > 0 && pick(5) == 0)
      b.p("R" + std::to_string(i));
    else
      b.pe("R" + std::to_string(i));
  }
  for (int i = 0; i < n; ++i)
    b.link("R" + std::to_string(i), "R" + std::to_string((i + 1) % n), 1 + pick(maxm));
  for (int c = 0; c < chords; ++c) {
    uint32_t x = pick(n), y = pick(n);
    if (x == y) continue;
    b.link("R" + std::to_string(x), "R" + std::to_string(y), 1 + pick(maxm));
  }
  // Services between random PEs: a few VPWS and one VPLS.
  std::vector<std::string> pes;
  for (auto& r : b.t.routers)
    if (r.role == RouterRole::pe) pes.push_back(r.name);
  int site_no = 0;
  auto new_site = [&](const std::string& pe) {
    std::string s = "s" + std::to_string(site_no++);
    b.site(s, pe);
    return s;
  };
  for (int k = 0; k < 3 && pes.size() >= 2; ++k) {
    std::string a = pes[pick(uint32_t(pes.size()))], c = pes[pick(uint32_t(pes.size()))];
    if (a == c) continue;
    b.vpws("vpws" + std::to_string(k), 100 + k, new_site(a), new_site(c));
  }
  std::vector<std::string> sites;
  std::set<std::string> used;
  for (int k = 0; k < 4 && k < int(pes.size()); ++k) {
    std::string pe = pes[pick(uint32_t(pes.size()))];
    if (!used.insert(pe).second) continue;
    sites.push_back(new_site(pe));
  }
  b.vpls("vpls", 500, sites, seed % 2 ? BumMode::p2mp_tree : BumMode::ingress_replication);
  return b.t;
}

// Which router and port own a MAC, from every router's Port list.
inline std::map<MacAddr, std::pair<std::string, std::string>> mac_owners(const NetworkState& st) {
  std::map<MacAddr, std::pair<std::string, std::string>> m;
  for (auto& [name, fs] : st.routers)
    for (auto& p : fs.ports) m[p.mac] = {name, p.name};
  return m;
}

inline const Nhlfe* nhlfe(const ForwardingState& fs, uint32_t id) { return fs.find_nhlfe(id); }



inline const FtnEntry* find_ftn(const ForwardingState& fs, const std::string& fec) {
  for (auto& f : fs.ftn)
    if (f.fec == fec) return &f;
  return nullptr;
}
inline const IlmEntry* find_ilm(const ForwardingState& fs, uint32_t label) {
  for (auto& e : fs.ilm)
    if (e.label == label) return &e;
  return nullptr;
}

}  // namespace l2vpn::cp::test
