// validate_topology: the rules a loaded topology must meet (errors), and what
// is legal but likely a mistake (warnings).
#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "controlplane/spelling.hpp"
#include "controlplane/yaml_loader.hpp"
#include "controlplane/yaml_primitives.hpp"

namespace l2vpn::cp {

namespace {

// ---------------------------------------------------------------------------
// Components of the link graph (for warnings about services across parts).

std::map<std::string, size_t> components(const Topology& topo) {
  std::map<std::string, size_t> idx;
  for (size_t i = 0; i < topo.routers.size(); ++i) idx.emplace(topo.routers[i].name, i);
  std::vector<size_t> parent(topo.routers.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const Link& l : topo.links) {
    auto a = idx.find(l.a), b = idx.find(l.b);
    if (a != idx.end() && b != idx.end()) parent[find(a->second)] = find(b->second);
  }
  std::map<std::string, size_t> out;
  for (auto& [name, i] : idx) out[name] = find(i);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Validation.

Status validate_topology(const Topology& topo, std::vector<std::string>* warnings) {
  std::vector<std::string> errors;
  auto err = [&](const SourceLocation& where, const std::string& what, const std::string& msg) {
    errors.push_back(where.str() + ": " + what + ": " + msg);
  };
  auto warn = [&](const SourceLocation& where, const std::string& what, const std::string& msg) {
    if (warnings) warnings->push_back(where.str() + ": " + what + ": " + msg);
  };

  // Routers.
  std::map<std::string, const Router*> routers;
  std::map<uint32_t, const Router*> loopbacks;
  for (const Router& r : topo.routers) {
    std::string what = "router " + squote(r.name);
    if (r.name.empty()) {
      err(r.where, "router", "empty name");
      continue;
    }
    if (r.name.find(':') != std::string::npos)
      err(r.where, what, "':' is not allowed in a router name (links are named A:B in events and options)");
    if (auto [it, fresh] = routers.emplace(r.name, &r); !fresh) {
      err(r.where, what, "defined twice (first at " + it->second->where.str() + ")");
      continue;
    }
    if (auto a = parse_ipv4(r.loopback); !a) {
      err(r.where, what, "loopback " + squote(r.loopback) + " is not an IPv4 address");
    } else if (auto [it, fresh] = loopbacks.emplace(*a, &r); !fresh) {
      err(r.where, what, "loopback " + r.loopback + " is already used by router " +
                             squote(it->second->name));
    }
    if (r.labels.first < kFirstUnreservedLabel)
      err(r.where, what, "label range starts at " + std::to_string(r.labels.first) +
                             ", inside the reserved labels 0-15");
    if (r.labels.last > kMaxLabel)
      err(r.where, what, "label range ends at " + std::to_string(r.labels.last) +
                             ", above the largest label " + std::to_string(kMaxLabel));
    if (r.labels.first > r.labels.last)
      err(r.where, what, "label range is empty (first " + std::to_string(r.labels.first) +
                             " > last " + std::to_string(r.labels.last) + ")");
  }
  auto router = [&](const std::string& name) -> const Router* {
    auto it = routers.find(name);
    return it == routers.end() ? nullptr : it->second;
  };

  // Ports per router: links and sites together.
  std::map<std::pair<std::string, std::string>, std::string> port_owner;  // (router, port) -> user
  auto claim_port = [&](const SourceLocation& where, const std::string& what, const std::string& r,
                        const std::string& port, const std::string& user) {
    if (port.empty()) {
      err(where, what, "empty port name on " + squote(r));
      return;
    }
    auto [it, fresh] = port_owner.emplace(std::make_pair(r, port), user);
    if (!fresh) err(where, what, "port " + squote(port) + " on " + squote(r) + " is already used by " + it->second);
  };

  // Links.
  for (const Link& l : topo.links) {
    std::string what = "link " + l.a + " - " + l.b;
    bool known = true;
    for (const std::string* end : {&l.a, &l.b})
      if (!router(*end)) {
        err(l.where, what, "router " + squote(*end) + " is not defined");
        known = false;
      }
    if (l.a == l.b) {
      err(l.where, what, "a link cannot connect a router to itself");
      continue;
    }
    if (l.metric < 1 || l.metric > kMaxMetric)
      err(l.where, what, "metric " + std::to_string(l.metric) + " is out of range [1, " +
                             std::to_string(kMaxMetric) + "]");
    if (l.bandwidth_bps == 0) err(l.where, what, "bandwidth must be positive");
    if (!(l.delay_us >= 0) || !std::isfinite(l.delay_us))
      err(l.where, what, "delay must be zero or positive");
    if (l.mtu < kMinLinkMtu || l.mtu > kMaxLinkMtu)
      err(l.where, what, "mtu " + std::to_string(l.mtu) + " is out of range [" +
                             std::to_string(kMinLinkMtu) + ", " + std::to_string(kMaxLinkMtu) + "]");
    if (known) {
      claim_port(l.where, what, l.a, l.a_port, "the " + what + " (line " + std::to_string(l.where.line) + ")");
      claim_port(l.where, what, l.b, l.b_port, "the " + what + " (line " + std::to_string(l.where.line) + ")");
    }
  }

  // Sites and their attachment circuits.
  std::map<std::string, const Site*> sites;
  std::map<std::tuple<std::string, std::string, uint16_t>, const Site*> acs;
  std::map<std::pair<std::string, std::string>, std::vector<const Site*>> sites_on_port;
  for (const Site& s : topo.sites) {
    std::string what = "site " + squote(s.name);
    if (s.name.empty()) {
      err(s.where, "site", "empty name");
      continue;
    }
    if (auto [it, fresh] = sites.emplace(s.name, &s); !fresh) {
      err(s.where, what, "defined twice (first at " + it->second->where.str() + ")");
      continue;
    }
    const Router* pe = router(s.pe);
    if (!pe) {
      err(s.where, what, "router " + squote(s.pe) + " is not defined");
      continue;
    }
    if (pe->role != RouterRole::pe)
      err(s.where, what, "router " + squote(s.pe) + " is a P router; sites attach to PEs");
    if (s.vlan > kMaxVlan)
      err(s.where, what, "vlan " + std::to_string(s.vlan) + " is out of range [0, 4094]");
    if (s.mode == AcMode::tagged && s.vlan == 0)
      err(s.where, what, "mode tagged needs a vlan (a port-based AC has no service-delimiting tag)");
    if (s.port.empty()) {
      err(s.where, what, "empty port name");
      continue;
    }
    // A site port must not be a link port.
    if (auto it = port_owner.find({s.pe, s.port}); it != port_owner.end())
      err(s.where, what, "port " + squote(s.port) + " on " + squote(s.pe) + " is already used by " + it->second);
    if (auto [it, fresh] = acs.emplace(std::make_tuple(s.pe, s.port, s.vlan), &s); !fresh) {
      err(s.where, what, "same attachment circuit as site " + squote(it->second->name) + " (" + s.pe +
                             " port " + s.port + (s.vlan ? " vlan " + std::to_string(s.vlan) : "") + ")");
      continue;
    }
    auto& on_port = sites_on_port[{s.pe, s.port}];
    for (const Site* other : on_port)
      if ((other->vlan == 0) != (s.vlan == 0))
        err(s.where, what, "port " + squote(s.port) + " on " + squote(s.pe) + " mixes a port-based AC (site " +
                               squote(other->vlan == 0 ? other->name : s.name) + ") with VLAN ACs");
    if (!s.interface.empty()) {
      // The form only: whether the interface exists is for `l2vpn run` to say.
      const auto colon = s.interface.find(':');
      const std::string kind = s.interface.substr(0, colon);
      if (colon == std::string::npos || colon + 1 == s.interface.size() ||
          (kind != "af_packet" && kind != "tap" && kind != "memif" && kind != "pci"))
        err(s.where, what, "interface " + squote(s.interface) +
                               ": expected af_packet:IFACE, tap:IFACE, memif:SOCKET or pci:ADDRESS");
    }
    for (const Site* other : on_port)
      if (!s.interface.empty() && !other->interface.empty() && other->interface != s.interface)
        err(s.where, what, "port " + squote(s.port) + " on " + squote(s.pe) + " is bound to " +
                               squote(other->interface) + " by site " + squote(other->name) +
                               ", not " + squote(s.interface));
    on_port.push_back(&s);
  }

  // Services.
  std::map<std::string, SourceLocation> service_names;
  std::map<std::string, std::string> site_service;  // site -> "vpws 'x'"
  std::map<uint32_t, std::string> fec_ids;          // pw id / vsi id -> user
  std::map<std::string, size_t> part;
  bool parts_known = false;
  auto part_of = [&](const std::string& r) -> size_t {
    if (!parts_known) {
      part = components(topo);
      parts_known = true;
    }
    auto it = part.find(r);
    return it == part.end() ? SIZE_MAX : it->second;
  };
  auto claim_name = [&](const SourceLocation& where, const std::string& what, const std::string& name) {
    if (name.empty()) {
      err(where, what, "empty name");
      return false;
    }
    if (auto [it, fresh] = service_names.emplace(name, where); !fresh) {
      err(where, what, "service name already used at " + it->second.str());
      return false;
    }
    return true;
  };
  auto claim_site = [&](const SourceLocation& where, const std::string& what, const std::string& site) {
    if (auto [it, fresh] = site_service.emplace(site, what); !fresh && it->second != what)
      err(where, what, "site " + squote(site) + " is already attached to " + it->second);
  };
  auto check_mtu = [&](const SourceLocation& where, const std::string& what, uint32_t mtu) {
    if (mtu < kMinServiceMtu || mtu > kMaxServiceMtu)
      err(where, what, "mtu " + std::to_string(mtu) + " is out of range [" + std::to_string(kMinServiceMtu) +
                           ", " + std::to_string(kMaxServiceMtu) + "]");
  };

  for (const VpwsService& v : topo.vpws) {
    std::string what = "vpws " + squote(v.name);
    claim_name(v.where, what, v.name);
    if (v.pw_id == 0) err(v.where, what, "pw_id must be positive");
    else if (auto [it, fresh] = fec_ids.emplace(v.pw_id, what); !fresh)
      err(v.where, what, "pw_id " + std::to_string(v.pw_id) + " is already used by " + it->second);
    check_mtu(v.where, what, v.mtu);
    const Site* a = nullptr;
    const Site* b = nullptr;
    for (auto [name, out] : {std::pair{&v.site_a, &a}, std::pair{&v.site_b, &b}}) {
      if (name->empty()) {
        err(v.where, what, "needs two sites");
        continue;
      }
      auto it = sites.find(*name);
      if (it == sites.end()) err(v.where, what, "site " + squote(*name) + " is not defined");
      else *out = it->second;
    }
    if (!v.site_a.empty() && v.site_a == v.site_b) {
      err(v.where, what, "both ends are site " + squote(v.site_a) + " (the same attachment circuit)");
      continue;
    }
    if (a && b) {
      if (a->pe == b->pe && a->port == b->port && a->vlan == b->vlan)
        err(v.where, what, "sites " + squote(a->name) + " and " + squote(b->name) + " are the same attachment circuit");
      else if (a->pe == b->pe)
        err(v.where, what, "both sites are on PE " + squote(a->pe) +
                               " (local switching without a pseudowire is not supported)");
      else if (router(a->pe) && router(b->pe) && part_of(a->pe) != part_of(b->pe))
        warn(v.where, what, "PEs " + squote(a->pe) + " and " + squote(b->pe) +
                                " are in disconnected parts of the backbone; the pseudowire will stay down");
      claim_site(v.where, what, a->name);
      claim_site(v.where, what, b->name);
    }
  }

  for (const VplsService& v : topo.vpls) {
    std::string what = "vpls " + squote(v.name);
    claim_name(v.where, what, v.name);
    if (v.vsi_id == 0) err(v.where, what, "vsi_id must be positive");
    else if (auto [it, fresh] = fec_ids.emplace(v.vsi_id, what); !fresh)
      err(v.where, what, "vsi_id " + std::to_string(v.vsi_id) + " is already used by " + it->second +
                             " (PW ids and VSI ids share FEC 128's id space)");
    check_mtu(v.where, what, v.mtu);
    if (v.mac_limit == 0) err(v.where, what, "mac_limit must be positive");
    if (v.aging_seconds == 0) err(v.where, what, "aging must be positive");

    std::set<std::string> listed;
    std::set<std::string> site_pes;
    for (const std::string& name : v.sites) {
      if (!listed.insert(name).second) {
        err(v.where, what, "site " + squote(name) + " is listed twice");
        continue;
      }
      auto it = sites.find(name);
      if (it == sites.end()) {
        err(v.where, what, "site " + squote(name) + " is not defined");
        continue;
      }
      site_pes.insert(it->second->pe);
      claim_site(v.where, what, name);
    }
    // RFC 4448: a VPLS's PWs carry one mode; a raw AC and a tagged AC in one
    // instance would disagree on the service-delimiting tag (the far PE
    // drops what lacks it), so the instance takes one or the other.
    {
      const Site* raw = nullptr;
      const Site* tagged = nullptr;
      for (const std::string& name : v.sites)
        if (auto it = sites.find(name); it != sites.end()) {
          const Site*& first = it->second->mode == AcMode::tagged ? tagged : raw;
          if (!first) first = it->second;
        }
      if (raw && tagged)
        err(v.where, what, "site " + squote(raw->name) + " is raw and site " + squote(tagged->name) +
                               " is tagged: one VPLS carries one mode (RFC 4448), make them all raw or all tagged");
    }
    // Bridge-domain members on each PE (its ACs, its PWs): the dataplane
    // holds at most kMaxVplsMembersPerPe per domain.
    {
      std::map<std::string, size_t> local;
      for (const std::string& name : v.sites)
        if (auto it = sites.find(name); it != sites.end()) ++local[it->second->pe];
      std::set<std::string> mtu_s, hubs_all;
      std::map<std::string, size_t> spoke_pws;  // per hub
      for (const VplsSpoke& sp : v.spokes) {
        mtu_s.insert(sp.mtu_s);
        for (const std::string& h : sp.hubs) ++spoke_pws[h], hubs_all.insert(h);
      }
      std::set<std::string> mesh_pes(hubs_all);
      for (auto& [pe, n] : local)
        if (!mtu_s.count(pe)) mesh_pes.insert(pe);
      std::set<std::string> all(mesh_pes);
      all.insert(mtu_s.begin(), mtu_s.end());
      for (const std::string& pe : all) {
        size_t n = local.count(pe) ? local[pe] : 0;
        if (mtu_s.count(pe)) {
          for (const VplsSpoke& sp : v.spokes)
            if (sp.mtu_s == pe) n += sp.hubs.size();
        } else {
          n += mesh_pes.size() - 1 + (spoke_pws.count(pe) ? spoke_pws[pe] : 0);
        }
        if (n > kMaxVplsMembersPerPe) {
          err(v.where, what, "PE " + squote(pe) + " would hold " + std::to_string(n) +
                                 " members (its sites and pseudowires) in one bridge domain, at most " +
                                 std::to_string(kMaxVplsMembersPerPe));
          break;
        }
      }
    }
    std::set<std::string> mtu_s_seen;
    size_t members = listed.size();
    std::vector<std::string> mesh;  // PEs in the full mesh, for the parts check
    for (const std::string& pe : site_pes) mesh.push_back(pe);
    for (const VplsSpoke& sp : v.spokes) {
      const SourceLocation& where = sp.where.file.empty() ? v.where : sp.where;
      std::string swhat = what + " spoke " + squote(sp.mtu_s);
      const Router* m = router(sp.mtu_s);
      if (!m) {
        err(where, swhat, "router " + squote(sp.mtu_s) + " is not defined");
      } else if (m->role != RouterRole::pe) {
        err(where, swhat, "MTU-s " + squote(sp.mtu_s) + " is a P router");
      }
      if (!mtu_s_seen.insert(sp.mtu_s).second) err(where, swhat, "MTU-s listed in two spokes");
      if (sp.hubs.empty() || sp.hubs.size() > 2)
        err(where, swhat, "needs one or two hubs, has " + std::to_string(sp.hubs.size()));
      if (sp.hubs.size() == 2 && sp.hubs[0] == sp.hubs[1])
        err(where, swhat, "hub " + squote(sp.hubs[0]) + " is listed twice");
      for (const std::string& h : sp.hubs) {
        const Router* hr = router(h);
        if (!hr) err(where, swhat, "hub " + squote(h) + " is not defined");
        else if (hr->role != RouterRole::pe) err(where, swhat, "hub " + squote(h) + " is a P router");
        if (h == sp.mtu_s) err(where, swhat, "an MTU-s cannot be its own hub");
        else if (m && hr && part_of(h) != part_of(sp.mtu_s))
          warn(where, swhat, "hub " + squote(h) + " is in a disconnected part of the backbone");
        mesh.push_back(h);
      }
      // An MTU-s with no listed site still joins (it counts as a member).
      bool has_site = false;
      for (const std::string& name : v.sites)
        if (auto it = sites.find(name); it != sites.end() && it->second->pe == sp.mtu_s) has_site = true;
      if (!has_site) ++members;
    }
    for (const VplsSpoke& sp : v.spokes)
      for (const std::string& h : sp.hubs)
        if (mtu_s_seen.count(h))
          err(sp.where.file.empty() ? v.where : sp.where, what + " spoke " + squote(sp.mtu_s),
              "hub " + squote(h) + " is itself an MTU-s of this VPLS");
    // Mesh members are the PEs of sites not behind an MTU-s, plus the hubs.
    mesh.erase(std::remove_if(mesh.begin(), mesh.end(), [&](const std::string& pe) { return mtu_s_seen.count(pe) > 0; }),
               mesh.end());
    if (members < 2)
      err(v.where, what, "needs at least two members (sites, or spokes' MTU-s), has " + std::to_string(members));
    for (size_t i = 1; i < mesh.size(); ++i)
      if (router(mesh[0]) && router(mesh[i]) && part_of(mesh[0]) != part_of(mesh[i])) {
        warn(v.where, what, "PEs " + squote(mesh[0]) + " and " + squote(mesh[i]) +
                                " are in disconnected parts of the backbone; their pseudowire will stay down");
        break;
      }
  }

  if (!errors.empty()) return Error{join_errors(errors)};
  return Status::success();
}

}  // namespace l2vpn::cp
