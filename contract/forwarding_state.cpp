#include "contract/forwarding_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace l2vpn {

using json = nlohmann::json;

// ---------------------------------------------------------------- names

std::string to_string(const MacAddr& mac) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2],
                     mac[3], mac[4], mac[5]);
}

std::optional<MacAddr> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddr mac{};
  for (size_t i = 0; i < 6; ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(text[i * 3]), lo = hex(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[i * 3 + 2] != ':') return std::nullopt;
    mac[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return mac;
}

namespace {

template <class E>
struct EnumNames {
  static const std::vector<std::pair<E, std::string_view>>& get();
};

template <>
const std::vector<std::pair<NhlfeOp, std::string_view>>& EnumNames<NhlfeOp>::get() {
  static const std::vector<std::pair<NhlfeOp, std::string_view>> v{
      {NhlfeOp::swap, "swap"}, {NhlfeOp::pop, "pop"}, {NhlfeOp::push, "push"}};
  return v;
}
template <>
const std::vector<std::pair<TtlMode, std::string_view>>& EnumNames<TtlMode>::get() {
  static const std::vector<std::pair<TtlMode, std::string_view>> v{
      {TtlMode::uniform, "uniform"}, {TtlMode::pipe, "pipe"}};
  return v;
}
template <>
const std::vector<std::pair<TcMode, std::string_view>>& EnumNames<TcMode>::get() {
  static const std::vector<std::pair<TcMode, std::string_view>> v{{TcMode::copy, "copy"},
                                                                  {TcMode::set, "set"}};
  return v;
}
template <>
const std::vector<std::pair<IlmAction, std::string_view>>& EnumNames<IlmAction>::get() {
  static const std::vector<std::pair<IlmAction, std::string_view>> v{
      {IlmAction::forward, "forward"},
      {IlmAction::ecmp, "ecmp"},
      {IlmAction::pw_disposition, "pw_disposition"},
      {IlmAction::pop_and_lookup, "pop_and_lookup"},
      {IlmAction::replicate, "replicate"}};
  return v;
}
template <>
const std::vector<std::pair<AcMode, std::string_view>>& EnumNames<AcMode>::get() {
  static const std::vector<std::pair<AcMode, std::string_view>> v{{AcMode::raw, "raw"},
                                                                  {AcMode::tagged, "tagged"}};
  return v;
}
template <>
const std::vector<std::pair<BumMode, std::string_view>>& EnumNames<BumMode>::get() {
  static const std::vector<std::pair<BumMode, std::string_view>> v{
      {BumMode::ingress_replication, "ingress_replication"}, {BumMode::p2mp_tree, "p2mp_tree"}};
  return v;
}
template <>
const std::vector<std::pair<NextHop::Kind, std::string_view>>& EnumNames<NextHop::Kind>::get() {
  static const std::vector<std::pair<NextHop::Kind, std::string_view>> v{
      {NextHop::Kind::nhlfe, "nhlfe"}, {NextHop::Kind::ecmp, "ecmp"}};
  return v;
}

template <class E>
std::string_view enum_name(E e) {
  for (auto& [v, n] : EnumNames<E>::get())
    if (v == e) return n;
  return "?";
}

}  // namespace

std::string_view to_string(NhlfeOp op) { return enum_name(op); }
std::string_view to_string(TtlMode mode) { return enum_name(mode); }
std::string_view to_string(TcMode mode) { return enum_name(mode); }
std::string_view to_string(IlmAction action) { return enum_name(action); }
std::string_view to_string(AcMode mode) { return enum_name(mode); }
std::string_view to_string(BumMode mode) { return enum_name(mode); }

// ---------------------------------------------------------------- lookups

namespace {
template <class V, class Pred>
auto find_in(const V& v, Pred pred) -> const typename V::value_type* {
  auto it = std::find_if(v.begin(), v.end(), pred);
  return it == v.end() ? nullptr : &*it;
}
}  // namespace

const Port* ForwardingState::find_port(std::string_view name) const {
  return find_in(ports, [&](const Port& p) { return p.name == name; });
}
const Nhlfe* ForwardingState::find_nhlfe(uint32_t id) const {
  return find_in(nhlfes, [&](const Nhlfe& n) { return n.id == id; });
}
const EcmpGroup* ForwardingState::find_ecmp(uint32_t id) const {
  return find_in(ecmp_groups, [&](const EcmpGroup& g) { return g.id == id; });
}
const Pseudowire* ForwardingState::find_pseudowire(uint32_t id) const {
  return find_in(pseudowires, [&](const Pseudowire& p) { return p.id == id; });
}
const AttachmentCircuit* ForwardingState::find_ac(std::string_view name) const {
  return find_in(attachment_circuits, [&](const AttachmentCircuit& a) { return a.name == name; });
}
const BridgeDomain* ForwardingState::find_bridge_domain(std::string_view name) const {
  return find_in(bridge_domains, [&](const BridgeDomain& b) { return b.name == name; });
}
const ReplicationGroup* ForwardingState::find_replication_group(uint32_t id) const {
  return find_in(replication_groups, [&](const ReplicationGroup& g) { return g.id == id; });
}
std::vector<const Nhlfe*> ForwardingState::nhlfes_of(const NextHop& nh) const {
  std::vector<const Nhlfe*> out;
  if (nh.kind == NextHop::Kind::nhlfe) {
    if (auto* n = find_nhlfe(nh.id)) out.push_back(n);
  } else if (auto* g = find_ecmp(nh.id)) {
    for (auto id : g->nhlfes)
      if (auto* n = find_nhlfe(id)) out.push_back(n);
  }
  return out;
}

// ---------------------------------------------------------------- validate

namespace {

struct Validator {
  const ForwardingState& s;
  std::string err;

  bool fail(std::string msg) {
    if (err.empty()) err = fmt::format("router '{}': {}", s.router, msg);
    return false;
  }
  bool port_ok(const std::string& what, const std::string& port) {
    return s.find_port(port) || fail(fmt::format("{}: unknown port '{}'", what, port));
  }
  bool next_hop_ok(const std::string& what, const NextHop& nh) {
    if (nh.kind == NextHop::Kind::nhlfe)
      return s.find_nhlfe(nh.id) || fail(fmt::format("{}: unknown nhlfe {}", what, nh.id));
    return s.find_ecmp(nh.id) || fail(fmt::format("{}: unknown ecmp group {}", what, nh.id));
  }
  bool label_ok(const std::string& what, uint32_t label, bool allow_reserved) {
    if (label > kMaxLabel) return fail(fmt::format("{}: label {} exceeds 20 bits", what, label));
    if (label == kLabelImplicitNull)
      return fail(fmt::format("{}: label 3 (implicit null) is never put on the wire; use op pop",
                              what));
    if (!allow_reserved && label < kFirstUnreservedLabel)
      return fail(fmt::format("{}: label {} is reserved (0-15)", what, label));
    return true;
  }

  bool run() {
    std::set<std::string> names;
    for (auto& p : s.ports) {
      if (p.name.empty()) return fail("a port has no name");
      if (!names.insert(p.name).second) return fail(fmt::format("duplicate port '{}'", p.name));
      if (p.mtu < 64 || p.mtu > 9600)
        return fail(fmt::format("port '{}': mtu {} outside 64..9600", p.name, p.mtu));
    }
    std::set<uint32_t> ids;
    for (auto& n : s.nhlfes) {
      auto what = fmt::format("nhlfe {}", n.id);
      if (!ids.insert(n.id).second) return fail("duplicate " + what);
      if (!port_ok(what, n.out_port)) return false;
      if (n.labels.size() > kMaxPushLabels)
        return fail(fmt::format("{}: {} labels, at most {}", what, n.labels.size(),
                                kMaxPushLabels));
      if (n.op == NhlfeOp::pop && !n.labels.empty())
        return fail(what + ": op pop takes no labels");
      if (n.op == NhlfeOp::swap && n.labels.empty())
        return fail(what + ": op swap needs at least one label");
      // Explicit null (0, 2) may be swapped/pushed toward an egress asking for it.
      for (auto l : n.labels)
        if (!label_ok(what, l, l == kLabelIpv4ExplicitNull || l == kLabelIpv6ExplicitNull))
          return false;
      if (n.tc > 7) return fail(fmt::format("{}: tc {} exceeds 3 bits", what, n.tc));
    }
    for (auto& n : s.nhlfes)
      if (n.backup_nhlfe && !s.find_nhlfe(*n.backup_nhlfe))
        return fail(fmt::format("nhlfe {}: unknown backup nhlfe {}", n.id, *n.backup_nhlfe));
    ids.clear();
    for (auto& g : s.ecmp_groups) {
      auto what = fmt::format("ecmp group {}", g.id);
      if (!ids.insert(g.id).second) return fail("duplicate " + what);
      if (g.nhlfes.empty()) return fail(what + ": no nhlfes");
      if (g.nhlfes.size() > 16) return fail(what + ": more than 16 next hops");
      for (auto id : g.nhlfes)
        if (!s.find_nhlfe(id)) return fail(fmt::format("{}: unknown nhlfe {}", what, id));
    }
    ids.clear();
    for (auto& g : s.replication_groups) {
      auto what = fmt::format("replication group {}", g.id);
      if (!ids.insert(g.id).second) return fail("duplicate " + what);
      if (g.nhlfes.empty() && !g.local_pseudowire) return fail(what + ": replicates to nothing");
      if (g.nhlfes.size() > 64) return fail(what + ": more than 64 branches");
      for (auto id : g.nhlfes)
        if (!s.find_nhlfe(id)) return fail(fmt::format("{}: unknown nhlfe {}", what, id));
      if (g.local_pseudowire && !s.find_pseudowire(*g.local_pseudowire))
        return fail(fmt::format("{}: unknown pseudowire {}", what, *g.local_pseudowire));
    }
    ids.clear();
    std::set<uint32_t> pw_labels;
    for (auto& p : s.pseudowires) {
      auto what = fmt::format("pseudowire {} (pw_id {} to '{}')", p.id, p.pw_id, p.peer);
      if (!ids.insert(p.id).second) return fail("duplicate " + what);
      if (p.up) {
        if (!label_ok(what + " local_label", p.local_label, false)) return false;
        if (!label_ok(what + " remote_label", p.remote_label, false)) return false;
        if (!p.transport) return fail(what + ": up but has no transport");
      }
      if (p.transport && !next_hop_ok(what, *p.transport)) return false;
      if (p.mtu < 64 || p.mtu > 9600)
        return fail(fmt::format("{}: mtu {} outside 64..9600", what, p.mtu));
    }
    std::set<uint32_t> labels;
    for (auto& e : s.ilm) {
      auto what = fmt::format("ilm label {}", e.label);
      if (!labels.insert(e.label).second) return fail("duplicate " + what);
      if (!label_ok(what, e.label, false)) return false;
      switch (e.action) {
        case IlmAction::forward:
          if (!s.find_nhlfe(e.target)) return fail(fmt::format("{}: unknown nhlfe {}", what, e.target));
          break;
        case IlmAction::ecmp:
          if (!s.find_ecmp(e.target)) return fail(fmt::format("{}: unknown ecmp group {}", what, e.target));
          break;
        case IlmAction::pw_disposition: {
          auto* pw = s.find_pseudowire(e.target);
          if (!pw) return fail(fmt::format("{}: unknown pseudowire {}", what, e.target));
          if (pw->local_label != e.label)
            return fail(fmt::format("{}: pseudowire {} has local label {}", what, e.target,
                                    pw->local_label));
          break;
        }
        case IlmAction::replicate:
          if (!s.find_replication_group(e.target))
            return fail(fmt::format("{}: unknown replication group {}", what, e.target));
          break;
        case IlmAction::pop_and_lookup:
          break;
      }
    }
    std::set<std::pair<std::string, uint16_t>> ac_keys;
    names.clear();
    for (auto& a : s.attachment_circuits) {
      auto what = fmt::format("attachment circuit '{}'", a.name);
      if (!names.insert(a.name).second) return fail("duplicate " + what);
      if (!port_ok(what, a.port)) return false;
      if (a.vlan > 4094) return fail(fmt::format("{}: vlan {} outside 0..4094", what, a.vlan));
      if (!ac_keys.insert({a.port, a.vlan}).second)
        return fail(fmt::format("{}: port '{}' vlan {} already used by another AC", what, a.port,
                                a.vlan));
      if (a.pseudowire.has_value() == a.bridge_domain.has_value())
        return fail(what + ": needs exactly one of pseudowire or bridge_domain");
      if (a.pseudowire && !s.find_pseudowire(*a.pseudowire))
        return fail(fmt::format("{}: unknown pseudowire {}", what, *a.pseudowire));
      if (a.bridge_domain && !s.find_bridge_domain(*a.bridge_domain))
        return fail(fmt::format("{}: unknown bridge domain '{}'", what, *a.bridge_domain));
    }
    // A port-based AC takes the whole port: no VLAN ACs beside it.
    for (auto& a : s.attachment_circuits)
      if (a.vlan == 0)
        for (auto& b : s.attachment_circuits)
          if (&a != &b && b.port == a.port)
            return fail(fmt::format("attachment circuit '{}' takes all of port '{}', but '{}' "
                                    "also uses it",
                                    a.name, a.port, b.name));
    names.clear();
    for (auto& b : s.bridge_domains) {
      auto what = fmt::format("bridge domain '{}'", b.name);
      if (!names.insert(b.name).second) return fail("duplicate " + what);
      for (auto& ac : b.attachment_circuits)
        if (!s.find_ac(ac)) return fail(fmt::format("{}: unknown attachment circuit '{}'", what, ac));
      for (auto id : b.mesh_pseudowires)
        if (!s.find_pseudowire(id)) return fail(fmt::format("{}: unknown pseudowire {}", what, id));
      for (auto id : b.spoke_pseudowires)
        if (!s.find_pseudowire(id)) return fail(fmt::format("{}: unknown pseudowire {}", what, id));
      if (b.p2mp_group && !s.find_replication_group(*b.p2mp_group))
        return fail(fmt::format("{}: unknown replication group {}", what, *b.p2mp_group));
      for (auto& m : b.static_macs) {
        if (m.attachment_circuit.empty() == !m.pseudowire.has_value())
          return fail(fmt::format("{}: static mac {} needs exactly one of attachment_circuit or "
                                  "pseudowire",
                                  what, to_string(m.mac)));
        if (!m.attachment_circuit.empty() && !s.find_ac(m.attachment_circuit))
          return fail(fmt::format("{}: static mac {}: unknown attachment circuit '{}'", what,
                                  to_string(m.mac), m.attachment_circuit));
        if (m.pseudowire && !s.find_pseudowire(*m.pseudowire))
          return fail(fmt::format("{}: static mac {}: unknown pseudowire {}", what,
                                  to_string(m.mac), *m.pseudowire));
      }
    }
    for (auto& f : s.ftn)
      if (!next_hop_ok(fmt::format("ftn '{}'", f.fec), f.next_hop)) return false;
    return true;
  }
};

}  // namespace

Status validate(const ForwardingState& state) {
  Validator v{state, {}};
  if (v.run()) return Status::success();
  return Error{v.err};
}

// ---------------------------------------------------------------- JSON out

namespace {

json mac_json(const MacAddr& m) { return to_string(m); }

json next_hop_json(const NextHop& nh) {
  return json{{"kind", enum_name(nh.kind)}, {"id", nh.id}};
}

json to_json_value(const ForwardingState& s) {
  json j;
  j["router"] = s.router;
  j["router_id"] = s.router_id;
  j["ports"] = json::array();
  for (auto& p : s.ports)
    j["ports"].push_back(
        {{"name", p.name}, {"device", p.device}, {"mac", mac_json(p.mac)}, {"mtu", p.mtu}});
  j["nhlfes"] = json::array();
  for (auto& n : s.nhlfes) {
    json o{{"id", n.id},
           {"op", enum_name(n.op)},
           {"labels", n.labels},
           {"out_port", n.out_port},
           {"next_hop_mac", mac_json(n.next_hop_mac)},
           {"ttl_mode", enum_name(n.ttl_mode)},
           {"tc_mode", enum_name(n.tc_mode)},
           {"tc", n.tc}};
    if (n.backup_nhlfe) o["backup_nhlfe"] = *n.backup_nhlfe;
    j["nhlfes"].push_back(std::move(o));
  }
  j["ecmp_groups"] = json::array();
  for (auto& g : s.ecmp_groups) j["ecmp_groups"].push_back({{"id", g.id}, {"nhlfes", g.nhlfes}});
  j["replication_groups"] = json::array();
  for (auto& g : s.replication_groups) {
    json o{{"id", g.id}, {"nhlfes", g.nhlfes}};
    if (g.local_pseudowire) o["local_pseudowire"] = *g.local_pseudowire;
    j["replication_groups"].push_back(std::move(o));
  }
  j["ilm"] = json::array();
  for (auto& e : s.ilm)
    j["ilm"].push_back(
        {{"label", e.label}, {"action", enum_name(e.action)}, {"target", e.target}});
  j["ftn"] = json::array();
  for (auto& f : s.ftn) j["ftn"].push_back({{"fec", f.fec}, {"next_hop", next_hop_json(f.next_hop)}});
  j["attachment_circuits"] = json::array();
  for (auto& a : s.attachment_circuits) {
    json o{{"name", a.name}, {"port", a.port}, {"vlan", a.vlan}, {"mode", enum_name(a.mode)}};
    if (a.pseudowire) o["pseudowire"] = *a.pseudowire;
    if (a.bridge_domain) o["bridge_domain"] = *a.bridge_domain;
    j["attachment_circuits"].push_back(std::move(o));
  }
  j["pseudowires"] = json::array();
  for (auto& p : s.pseudowires) {
    json o{{"id", p.id},
           {"pw_id", p.pw_id},
           {"peer", p.peer},
           {"local_label", p.local_label},
           {"remote_label", p.remote_label},
           {"control_word", p.control_word},
           {"flow_label", p.flow_label},
           {"mtu", p.mtu},
           {"up", p.up}};
    if (p.transport) o["transport"] = next_hop_json(*p.transport);
    if (!p.down_reason.empty()) o["down_reason"] = p.down_reason;
    j["pseudowires"].push_back(std::move(o));
  }
  j["bridge_domains"] = json::array();
  for (auto& b : s.bridge_domains) {
    json o{{"name", b.name},
           {"vsi_id", b.vsi_id},
           {"attachment_circuits", b.attachment_circuits},
           {"mesh_pseudowires", b.mesh_pseudowires},
           {"spoke_pseudowires", b.spoke_pseudowires},
           {"mac_limit", b.mac_limit},
           {"aging_seconds", b.aging_seconds},
           {"bum_mode", enum_name(b.bum_mode)}};
    if (b.p2mp_group) o["p2mp_group"] = *b.p2mp_group;
    if (b.flood_rate_pps) o["flood_rate_pps"] = b.flood_rate_pps;
    o["static_macs"] = json::array();
    for (auto& m : b.static_macs) {
      json sm{{"mac", mac_json(m.mac)}};
      if (!m.attachment_circuit.empty()) sm["attachment_circuit"] = m.attachment_circuit;
      if (m.pseudowire) sm["pseudowire"] = *m.pseudowire;
      o["static_macs"].push_back(std::move(sm));
    }
    j["bridge_domains"].push_back(std::move(o));
  }
  return j;
}

}  // namespace

std::string to_json(const ForwardingState& state, int indent) {
  return to_json_value(state).dump(indent);
}

std::ostream& operator<<(std::ostream& os, const ForwardingState& state) {
  return os << to_json(state);
}

// ---------------------------------------------------------------- JSON in

namespace {

struct JsonError {
  std::string message;
};

// Reads one JSON object strictly: every key must be consumed, or the reader
// names the first unknown one.
class ObjectReader {
 public:
  ObjectReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) throw JsonError{path_ + ": expected an object"};
  }
  ~ObjectReader() noexcept(false) {
    if (std::uncaught_exceptions()) return;
    for (auto& [k, v] : j_.items())
      if (!seen_.count(k)) throw JsonError{fmt::format("{}: unknown key '{}'", path_, k)};
  }

  const json* get(const std::string& key) {
    seen_.insert(key);
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const json& need(const std::string& key) {
    auto* v = get(key);
    if (!v) throw JsonError{fmt::format("{}: missing key '{}'", path_, key)};
    return *v;
  }
  std::string sub(const std::string& key) const { return path_ + "." + key; }

  std::string str(const std::string& key, std::optional<std::string> def = std::nullopt) {
    auto* v = def ? get(key) : &need(key);
    if (!v) return *def;
    if (!v->is_string()) throw JsonError{sub(key) + ": expected a string"};
    return v->get<std::string>();
  }
  uint64_t uint(const std::string& key, std::optional<uint64_t> def, uint64_t max) {
    auto* v = def ? get(key) : &need(key);
    if (!v) return *def;
    return as_uint(*v, sub(key), max);
  }
  bool boolean(const std::string& key, std::optional<bool> def) {
    auto* v = def ? get(key) : &need(key);
    if (!v) return *def;
    if (!v->is_boolean()) throw JsonError{sub(key) + ": expected true or false"};
    return v->get<bool>();
  }
  MacAddr mac(const std::string& key, std::optional<MacAddr> def = std::nullopt) {
    auto* v = def ? get(key) : &need(key);
    if (!v) return *def;
    if (!v->is_string()) throw JsonError{sub(key) + ": expected a MAC string"};
    auto m = parse_mac(v->get<std::string>());
    if (!m)
      throw JsonError{fmt::format("{}: '{}' is not a MAC address (aa:bb:cc:dd:ee:ff)", sub(key),
                                  v->get<std::string>())};
    return *m;
  }
  template <class E>
  E enumeration(const std::string& key, std::optional<E> def) {
    auto* v = def ? get(key) : &need(key);
    if (!v) return *def;
    if (!v->is_string()) throw JsonError{sub(key) + ": expected a string"};
    auto name = v->template get<std::string>();
    std::string choices;
    for (auto& [e, n] : EnumNames<E>::get()) {
      if (n == name) return e;
      choices += (choices.empty() ? "" : ", ") + std::string(n);
    }
    throw JsonError{fmt::format("{}: '{}' is not one of {}", sub(key), name, choices)};
  }
  std::vector<uint32_t> uints(const std::string& key, uint64_t max) {
    std::vector<uint32_t> out;
    auto* v = get(key);
    if (!v) return out;
    if (!v->is_array()) throw JsonError{sub(key) + ": expected an array"};
    for (size_t i = 0; i < v->size(); ++i)
      out.push_back(static_cast<uint32_t>(as_uint((*v)[i], fmt::format("{}[{}]", sub(key), i), max)));
    return out;
  }
  std::vector<std::string> strings(const std::string& key) {
    std::vector<std::string> out;
    auto* v = get(key);
    if (!v) return out;
    if (!v->is_array()) throw JsonError{sub(key) + ": expected an array"};
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string())
        throw JsonError{fmt::format("{}[{}]: expected a string", sub(key), i)};
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

  static uint64_t as_uint(const json& v, const std::string& path, uint64_t max) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      throw JsonError{path + ": expected a non-negative integer"};
    auto x = v.get<uint64_t>();
    if (x > max) throw JsonError{fmt::format("{}: {} exceeds {}", path, x, max)};
    return x;
  }

 private:
  const json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

template <class F>
void each(ObjectReader& r, const std::string& key, F f) {
  auto* v = r.get(key);
  if (!v) return;
  if (!v->is_array()) throw JsonError{r.sub(key) + ": expected an array"};
  for (size_t i = 0; i < v->size(); ++i) {
    ObjectReader item((*v)[i], fmt::format("{}[{}]", r.sub(key), i));
    f(item);
  }
}

NextHop read_next_hop(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  NextHop nh;
  nh.kind = r.enumeration<NextHop::Kind>("kind", NextHop::Kind::nhlfe);
  nh.id = static_cast<uint32_t>(r.uint("id", std::nullopt, UINT32_MAX));
  return nh;
}

ForwardingState read_state(const json& j) {
  ForwardingState s;
  ObjectReader r(j, "$");
  s.router = r.str("router");
  s.router_id = r.str("router_id", "");
  constexpr uint64_t u32 = UINT32_MAX;
  each(r, "ports", [&](ObjectReader& o) {
    Port p;
    p.name = o.str("name");
    p.device = o.str("device", "");
    p.mac = o.mac("mac", MacAddr{});
    p.mtu = static_cast<uint32_t>(o.uint("mtu", 1500, 65535));
    s.ports.push_back(std::move(p));
  });
  each(r, "nhlfes", [&](ObjectReader& o) {
    Nhlfe n;
    n.id = static_cast<uint32_t>(o.uint("id", std::nullopt, u32));
    n.op = o.enumeration<NhlfeOp>("op", std::nullopt);
    n.labels = o.uints("labels", kMaxLabel);
    n.out_port = o.str("out_port");
    n.next_hop_mac = o.mac("next_hop_mac");
    n.ttl_mode = o.enumeration<TtlMode>("ttl_mode", TtlMode::uniform);
    n.tc_mode = o.enumeration<TcMode>("tc_mode", TcMode::copy);
    n.tc = static_cast<uint8_t>(o.uint("tc", 0, 7));
    if (o.get("backup_nhlfe"))
      n.backup_nhlfe = static_cast<uint32_t>(o.uint("backup_nhlfe", std::nullopt, u32));
    s.nhlfes.push_back(std::move(n));
  });
  each(r, "ecmp_groups", [&](ObjectReader& o) {
    EcmpGroup g;
    g.id = static_cast<uint32_t>(o.uint("id", std::nullopt, u32));
    g.nhlfes = o.uints("nhlfes", u32);
    s.ecmp_groups.push_back(std::move(g));
  });
  each(r, "replication_groups", [&](ObjectReader& o) {
    ReplicationGroup g;
    g.id = static_cast<uint32_t>(o.uint("id", std::nullopt, u32));
    g.nhlfes = o.uints("nhlfes", u32);
    if (o.get("local_pseudowire"))
      g.local_pseudowire = static_cast<uint32_t>(o.uint("local_pseudowire", std::nullopt, u32));
    s.replication_groups.push_back(std::move(g));
  });
  each(r, "ilm", [&](ObjectReader& o) {
    IlmEntry e;
    e.label = static_cast<uint32_t>(o.uint("label", std::nullopt, kMaxLabel));
    e.action = o.enumeration<IlmAction>("action", IlmAction::forward);
    e.target = static_cast<uint32_t>(o.uint("target", 0, u32));
    s.ilm.push_back(e);
  });
  each(r, "ftn", [&](ObjectReader& o) {
    FtnEntry f;
    f.fec = o.str("fec");
    f.next_hop = read_next_hop(o.need("next_hop"), o.sub("next_hop"));
    s.ftn.push_back(std::move(f));
  });
  each(r, "attachment_circuits", [&](ObjectReader& o) {
    AttachmentCircuit a;
    a.name = o.str("name");
    a.port = o.str("port");
    a.vlan = static_cast<uint16_t>(o.uint("vlan", 0, 4094));
    a.mode = o.enumeration<AcMode>("mode", AcMode::raw);
    if (o.get("pseudowire"))
      a.pseudowire = static_cast<uint32_t>(o.uint("pseudowire", std::nullopt, u32));
    if (o.get("bridge_domain")) a.bridge_domain = o.str("bridge_domain");
    s.attachment_circuits.push_back(std::move(a));
  });
  each(r, "pseudowires", [&](ObjectReader& o) {
    Pseudowire p;
    p.id = static_cast<uint32_t>(o.uint("id", std::nullopt, u32));
    p.pw_id = static_cast<uint32_t>(o.uint("pw_id", 0, u32));
    p.peer = o.str("peer", "");
    p.local_label = static_cast<uint32_t>(o.uint("local_label", std::nullopt, kMaxLabel));
    p.remote_label = static_cast<uint32_t>(o.uint("remote_label", std::nullopt, kMaxLabel));
    if (auto* t = o.get("transport")) p.transport = read_next_hop(*t, o.sub("transport"));
    p.control_word = o.boolean("control_word", false);
    p.flow_label = o.boolean("flow_label", false);
    p.mtu = static_cast<uint32_t>(o.uint("mtu", 1500, 65535));
    p.up = o.boolean("up", true);
    p.down_reason = o.str("down_reason", "");
    s.pseudowires.push_back(std::move(p));
  });
  each(r, "bridge_domains", [&](ObjectReader& o) {
    BridgeDomain b;
    b.name = o.str("name");
    b.vsi_id = static_cast<uint32_t>(o.uint("vsi_id", 0, u32));
    b.attachment_circuits = o.strings("attachment_circuits");
    b.mesh_pseudowires = o.uints("mesh_pseudowires", u32);
    b.spoke_pseudowires = o.uints("spoke_pseudowires", u32);
    b.mac_limit = static_cast<uint32_t>(o.uint("mac_limit", 4096, u32));
    b.aging_seconds = static_cast<uint32_t>(o.uint("aging_seconds", 300, u32));
    b.bum_mode = o.enumeration<BumMode>("bum_mode", BumMode::ingress_replication);
    if (o.get("p2mp_group"))
      b.p2mp_group = static_cast<uint32_t>(o.uint("p2mp_group", std::nullopt, u32));
    b.flood_rate_pps = static_cast<uint32_t>(o.uint("flood_rate_pps", 0, u32));
    each(o, "static_macs", [&](ObjectReader& m) {
      StaticMac sm;
      sm.mac = m.mac("mac");
      sm.attachment_circuit = m.str("attachment_circuit", "");
      if (m.get("pseudowire"))
        sm.pseudowire = static_cast<uint32_t>(m.uint("pseudowire", std::nullopt, u32));
      b.static_macs.push_back(std::move(sm));
    });
    s.bridge_domains.push_back(std::move(b));
  });
  return s;
}

}  // namespace

Result<ForwardingState> forwarding_state_from_json(std::string_view text,
                                                   std::string_view source) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into a line for the user.
    size_t line = 1 + std::count(text.begin(),
                                 text.begin() + std::min<size_t>(e.byte, text.size()), '\n');
    return Error{fmt::format("{}:{}: invalid JSON: {}", source, line, e.what())};
  } catch (const json::exception& e) {
    // Also thrown while parsing: a number too large for a double (out_of_range 406).
    return Error{fmt::format("{}: invalid JSON: {}", source, e.what())};
  }
  ForwardingState state;
  try {
    state = read_state(j);
  } catch (const JsonError& e) {
    return Error{fmt::format("{}: {}", source, e.message)};
  } catch (const json::exception& e) {
    return Error{fmt::format("{}: {}", source, e.what())};
  }
  if (auto st = validate(state); !st) return Error{fmt::format("{}: {}", source, st.error().message)};
  return state;
}

Result<ForwardingState> load_forwarding_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{fmt::format("{}: cannot open", path)};
  std::stringstream ss;
  ss << in.rdbuf();
  return forwarding_state_from_json(ss.str(), path);
}

}  // namespace l2vpn
