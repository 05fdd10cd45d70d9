#pragma once
// The difference between two ForwardingStates of one router, table by table,
// keyed the way objects refer to each other (NHLFE/group/PW id, ILM label,
// FTN fec, port/AC/bridge-domain name), so a running dataplane applies only
// what changed. The control plane keeps ids stable for unchanged objects, so
// the diff after one link failure touches only the FECs whose paths moved.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"

namespace l2vpn {

template <class T, class Key>
struct TableDiff {
  std::vector<T> added;      // keys not in the old state
  std::vector<Key> removed;  // keys not in the new state
  std::vector<T> changed;    // same key, different contents: the new entry
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
  size_t size() const { return added.size() + removed.size() + changed.size(); }
  bool operator==(const TableDiff&) const = default;
};

struct ForwardingStateDiff {
  std::string router;
  std::optional<std::string> router_id;  // set when it changed
  TableDiff<Port, std::string> ports;
  TableDiff<Nhlfe, uint32_t> nhlfes;
  TableDiff<EcmpGroup, uint32_t> ecmp_groups;
  TableDiff<IlmEntry, uint32_t> ilm;
  TableDiff<FtnEntry, std::string> ftn;
  TableDiff<AttachmentCircuit, std::string> attachment_circuits;
  TableDiff<Pseudowire, uint32_t> pseudowires;
  TableDiff<ReplicationGroup, uint32_t> replication_groups;
  TableDiff<BridgeDomain, std::string> bridge_domains;

  bool empty() const;
  size_t size() const;  // entries added + removed + changed, all tables
  bool operator==(const ForwardingStateDiff&) const = default;
};

// Entries are matched by key; each list comes out sorted by key.
ForwardingStateDiff diff(const ForwardingState& old, const ForwardingState& next);

// old with the diff applied, every table in canonical order (sorted by key).
// apply(old, diff(old, next)) == next whenever next is canonical, which every
// state the control plane emits is; otherwise it equals canonical(next).
ForwardingState apply(const ForwardingState& old, const ForwardingStateDiff& d);

// Sorts every table by its key: ports, ACs, bridge domains and FTN by name /
// fec (plain string order), the others by id or label.
void canonicalize(ForwardingState& state);
bool is_canonical(const ForwardingState& state);

// One line per changed entry: "+ nhlfe 12 swap [24016] to-P2 ...".
std::string to_string(const ForwardingStateDiff& d);
std::ostream& operator<<(std::ostream& os, const ForwardingStateDiff& d);

}  // namespace l2vpn
