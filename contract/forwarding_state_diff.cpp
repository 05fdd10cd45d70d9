#include "contract/forwarding_state_diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace l2vpn {

namespace {

uint32_t key_of(const Nhlfe& x) { return x.id; }
uint32_t key_of(const EcmpGroup& x) { return x.id; }
uint32_t key_of(const IlmEntry& x) { return x.label; }
uint32_t key_of(const Pseudowire& x) { return x.id; }
uint32_t key_of(const ReplicationGroup& x) { return x.id; }
const std::string& key_of(const Port& x) { return x.name; }
const std::string& key_of(const FtnEntry& x) { return x.fec; }
const std::string& key_of(const AttachmentCircuit& x) { return x.name; }
const std::string& key_of(const BridgeDomain& x) { return x.name; }

template <class T>
bool sorted_by_key(const std::vector<T>& v) {
  return std::is_sorted(v.begin(), v.end(),
                        [](const T& a, const T& b) { return key_of(a) < key_of(b); });
}

template <class T>
void sort_by_key(std::vector<T>& v) {
  if (!sorted_by_key(v))
    std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return key_of(a) < key_of(b); });
}

// Pointers to the entries in key order; no copy when already sorted.
template <class T>
std::vector<const T*> by_key(const std::vector<T>& v) {
  std::vector<const T*> p;
  p.reserve(v.size());
  for (auto& x : v) p.push_back(&x);
  if (!sorted_by_key(v))
    std::stable_sort(p.begin(), p.end(), [](const T* a, const T* b) { return key_of(*a) < key_of(*b); });
  return p;
}

template <class T, class K>
void diff_table(const std::vector<T>& old, const std::vector<T>& next, TableDiff<T, K>& out) {
  auto a = by_key(old), b = by_key(next);
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && key_of(*a[i]) < key_of(*b[j]))) {
      out.removed.push_back(K(key_of(*a[i++])));
    } else if (i == a.size() || key_of(*b[j]) < key_of(*a[i])) {
      out.added.push_back(*b[j++]);
    } else {
      if (!(*a[i] == *b[j])) out.changed.push_back(*b[j]);
      ++i, ++j;
    }
  }
}

template <class T, class K>
std::vector<T> apply_table(const std::vector<T>& old, const TableDiff<T, K>& d) {
  std::map<K, const T*> m;
  for (auto& x : old) m[K(key_of(x))] = &x;
  for (auto& k : d.removed) m.erase(k);
  for (auto& x : d.changed) m[K(key_of(x))] = &x;
  for (auto& x : d.added) m[K(key_of(x))] = &x;
  std::vector<T> out;
  out.reserve(m.size());
  for (auto& [k, p] : m) out.push_back(*p);
  return out;
}

std::string labels_str(const std::vector<uint32_t>& v) {
  return fmt::format("[{}]", fmt::join(v, " "));
}
template <class T>
std::string opt_str(const std::optional<T>& v) {
  return v ? fmt::format("{}", *v) : std::string("-");
}

std::string describe(const Port& p) {
  return fmt::format("port {} device '{}' mac {} mtu {}", p.name, p.device, to_string(p.mac), p.mtu);
}
std::string describe(const Nhlfe& n) {
  return fmt::format("nhlfe {} {} {} out {} nh {} backup {}", n.id, to_string(n.op), labels_str(n.labels),
                     n.out_port, to_string(n.next_hop_mac), opt_str(n.backup_nhlfe));
}
std::string describe(const EcmpGroup& g) {
  return fmt::format("ecmp {} {}", g.id, labels_str(g.nhlfes));
}
std::string describe(const IlmEntry& e) {
  return fmt::format("ilm {} {} {}", e.label, to_string(e.action), e.target);
}
std::string describe(const FtnEntry& f) {
  return fmt::format("ftn {} {} {}", f.fec, f.next_hop.kind == NextHop::Kind::nhlfe ? "nhlfe" : "ecmp",
                     f.next_hop.id);
}
std::string describe(const AttachmentCircuit& a) {
  return fmt::format("ac {} port {} vlan {} {} {}", a.name, a.port, a.vlan, to_string(a.mode),
                     a.pseudowire ? fmt::format("pw {}", *a.pseudowire)
                                  : fmt::format("bd {}", a.bridge_domain.value_or("-")));
}
std::string describe(const Pseudowire& p) {
  return fmt::format("pw {} pw_id {} peer {} labels {}/{} {} {}", p.id, p.pw_id, p.peer, p.local_label,
                     p.remote_label, p.up ? "up" : "down", p.up ? "" : p.down_reason);
}
std::string describe(const ReplicationGroup& g) {
  return fmt::format("replication {} {} local_pw {}", g.id, labels_str(g.nhlfes), opt_str(g.local_pseudowire));
}
std::string describe(const BridgeDomain& b) {
  return fmt::format("bd {} vsi {} acs {} mesh {} spokes {} p2mp {}", b.name, b.vsi_id,
                     b.attachment_circuits.size(), labels_str(b.mesh_pseudowires),
                     labels_str(b.spoke_pseudowires), opt_str(b.p2mp_group));
}

template <class T, class K>
void print_table(std::ostringstream& os, const char* what, const TableDiff<T, K>& d) {
  for (auto& x : d.added) os << "  + " << describe(x) << "\n";
  for (auto& k : d.removed) os << "  - " << what << " " << k << "\n";
  for (auto& x : d.changed) os << "  ~ " << describe(x) << "\n";
}

}  // namespace

bool ForwardingStateDiff::empty() const { return size() == 0 && !router_id; }

size_t ForwardingStateDiff::size() const {
  return ports.size() + nhlfes.size() + ecmp_groups.size() + ilm.size() + ftn.size() +
         attachment_circuits.size() + pseudowires.size() + replication_groups.size() +
         bridge_domains.size();
}

ForwardingStateDiff diff(const ForwardingState& old, const ForwardingState& next) {
  ForwardingStateDiff d;
  d.router = next.router;
  if (old.router_id != next.router_id) d.router_id = next.router_id;
  diff_table(old.ports, next.ports, d.ports);
  diff_table(old.nhlfes, next.nhlfes, d.nhlfes);
  diff_table(old.ecmp_groups, next.ecmp_groups, d.ecmp_groups);
  diff_table(old.ilm, next.ilm, d.ilm);
  diff_table(old.ftn, next.ftn, d.ftn);
  diff_table(old.attachment_circuits, next.attachment_circuits, d.attachment_circuits);
  diff_table(old.pseudowires, next.pseudowires, d.pseudowires);
  diff_table(old.replication_groups, next.replication_groups, d.replication_groups);
  diff_table(old.bridge_domains, next.bridge_domains, d.bridge_domains);
  return d;
}

ForwardingState apply(const ForwardingState& old, const ForwardingStateDiff& d) {
  ForwardingState s;
  s.router = d.router.empty() ? old.router : d.router;
  s.router_id = d.router_id ? *d.router_id : old.router_id;
  s.ports = apply_table(old.ports, d.ports);
  s.nhlfes = apply_table(old.nhlfes, d.nhlfes);
  s.ecmp_groups = apply_table(old.ecmp_groups, d.ecmp_groups);
  s.ilm = apply_table(old.ilm, d.ilm);
  s.ftn = apply_table(old.ftn, d.ftn);
  s.attachment_circuits = apply_table(old.attachment_circuits, d.attachment_circuits);
  s.pseudowires = apply_table(old.pseudowires, d.pseudowires);
  s.replication_groups = apply_table(old.replication_groups, d.replication_groups);
  s.bridge_domains = apply_table(old.bridge_domains, d.bridge_domains);
  return s;
}

void canonicalize(ForwardingState& s) {
  sort_by_key(s.ports);
  sort_by_key(s.nhlfes);
  sort_by_key(s.ecmp_groups);
  sort_by_key(s.ilm);
  sort_by_key(s.ftn);
  sort_by_key(s.attachment_circuits);
  sort_by_key(s.pseudowires);
  sort_by_key(s.replication_groups);
  sort_by_key(s.bridge_domains);
}

bool is_canonical(const ForwardingState& s) {
  return sorted_by_key(s.ports) && sorted_by_key(s.nhlfes) && sorted_by_key(s.ecmp_groups) &&
         sorted_by_key(s.ilm) && sorted_by_key(s.ftn) && sorted_by_key(s.attachment_circuits) &&
         sorted_by_key(s.pseudowires) && sorted_by_key(s.replication_groups) &&
         sorted_by_key(s.bridge_domains);
}

std::string to_string(const ForwardingStateDiff& d) {
  std::ostringstream os;
  os << "router " << d.router << ": " << d.size() << " change" << (d.size() == 1 ? "" : "s") << "\n";
  if (d.router_id) os << "  ~ router_id " << *d.router_id << "\n";
  print_table(os, "port", d.ports);
  print_table(os, "nhlfe", d.nhlfes);
  print_table(os, "ecmp", d.ecmp_groups);
  print_table(os, "ilm", d.ilm);
  print_table(os, "ftn", d.ftn);
  print_table(os, "ac", d.attachment_circuits);
  print_table(os, "pw", d.pseudowires);
  print_table(os, "replication", d.replication_groups);
  print_table(os, "bd", d.bridge_domains);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const ForwardingStateDiff& d) { return os << to_string(d); }

}  // namespace l2vpn
