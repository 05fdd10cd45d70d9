// ForwardingStateDiff: keyed per table, and apply(old, diff(old, new)) == new.
#include <gtest/gtest.h>

#include <random>

#include "contract/forwarding_state_diff.hpp"

namespace l2vpn {
namespace {

ForwardingState sample() {
  ForwardingState s;
  s.router = "P1";
  s.router_id = "10.255.0.1";
  s.ports = {{"to-a", "", {2, 0, 0, 0, 0, 1}, 9000}, {"to-b", "", {2, 0, 0, 0, 0, 2}, 9000}};
  s.nhlfes = {{1, NhlfeOp::swap, {100}, "to-a", {}, TtlMode::uniform, TcMode::copy, 0, 2},
              {2, NhlfeOp::pop, {}, "to-b", {}, TtlMode::uniform, TcMode::copy, 0, std::nullopt}};
  s.ecmp_groups = {{7, {1, 2}}};
  s.ilm = {{16, IlmAction::forward, 1}, {17, IlmAction::ecmp, 7}};
  s.ftn = {{"10.255.0.2/32", {NextHop::Kind::nhlfe, 1}}};
  return s;
}

TEST(DiffBasic, EqualStatesGiveEmptyDiff) {
  auto s = sample();
  auto d = diff(s, s);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(apply(s, d), s);
}

TEST(DiffBasic, AddedRemovedChangedByKey) {
  auto a = sample();
  auto b = a;
  b.nhlfes[0].labels = {101};                        // changed
  b.ilm.pop_back();                                  // removed 17
  b.ilm.push_back({18, IlmAction::forward, 2});      // added
  b.ftn.push_back({"10.255.0.3/32", {NextHop::Kind::ecmp, 7}});
  b.router_id = "10.255.0.9";
  auto d = diff(a, b);
  EXPECT_FALSE(d.empty());
  ASSERT_EQ(d.nhlfes.changed.size(), 1u);
  EXPECT_EQ(d.nhlfes.changed[0].labels, std::vector<uint32_t>{101});
  EXPECT_EQ(d.ilm.removed, std::vector<uint32_t>{17});
  ASSERT_EQ(d.ilm.added.size(), 1u);
  EXPECT_EQ(d.ilm.added[0].label, 18u);
  EXPECT_EQ(d.ftn.added.size(), 1u);
  EXPECT_EQ(d.router_id, "10.255.0.9");
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(apply(a, d), b);
  auto text = to_string(d);
  EXPECT_NE(text.find("- ilm 17"), std::string::npos) << text;
  EXPECT_NE(text.find("+ ilm 18 forward 2"), std::string::npos) << text;
  EXPECT_NE(text.find("~ nhlfe 1 swap [101]"), std::string::npos) << text;
}

TEST(DiffBasic, OrderDoesNotMatterOnlyKeys) {
  auto a = sample();
  auto b = a;
  std::swap(b.ilm[0], b.ilm[1]);
  EXPECT_TRUE(diff(a, b).empty());
  EXPECT_FALSE(is_canonical(b));
  canonicalize(b);
  EXPECT_TRUE(is_canonical(b));
  EXPECT_EQ(a, b);
}

TEST(DiffBasic, FromAndToEmpty) {
  ForwardingState empty;
  empty.router = "P1";
  auto s = sample();
  auto d = diff(empty, s);
  EXPECT_EQ(d.nhlfes.added.size(), 2u);
  EXPECT_EQ(apply(empty, d), s);
  auto back = diff(s, empty);
  EXPECT_EQ(back.ports.removed.size(), 2u);
  auto cleared = apply(s, back);
  EXPECT_EQ(cleared.router_id, "");
  EXPECT_TRUE(cleared.nhlfes.empty());
}

TEST(DiffProperty, ApplyOfDiffGivesTheNewState) {
  std::mt19937 rng(42);
  auto random_state = [&](int n) {
    ForwardingState s;
    s.router = "R";
    s.router_id = "10.0.0.1";
    for (int i = 0; i < n; ++i) {
      if (rng() % 2) s.ports.push_back({"p" + std::to_string(rng() % 20), "", {}, 1500 + uint32_t(rng() % 3)});
      if (rng() % 2)
        s.nhlfes.push_back({uint32_t(rng() % 40), NhlfeOp::swap, {16 + uint32_t(rng() % 5)}, "p1", {},
                            TtlMode::uniform, TcMode::copy, 0, std::nullopt});
      if (rng() % 2) s.ilm.push_back({16 + uint32_t(rng() % 40), IlmAction::forward, uint32_t(rng() % 3)});
      if (rng() % 2) s.ftn.push_back({"10.0.0." + std::to_string(rng() % 30) + "/32", {NextHop::Kind::nhlfe, uint32_t(rng() % 3)}});
      if (rng() % 3 == 0) {
        Pseudowire pw;
        pw.id = rng() % 10;
        pw.up = rng() % 2;
        s.pseudowires.push_back(pw);
      }
      if (rng() % 3 == 0) {
        BridgeDomain bd;
        bd.name = "bd" + std::to_string(rng() % 5);
        bd.vsi_id = uint32_t(rng() % 3);
        s.bridge_domains.push_back(bd);
      }
      if (rng() % 3 == 0) s.replication_groups.push_back({uint32_t(rng() % 8), {1, 2}, std::nullopt});
      if (rng() % 3 == 0) s.ecmp_groups.push_back({uint32_t(rng() % 8), {1, uint32_t(rng() % 4)}});
      if (rng() % 3 == 0) {
        AttachmentCircuit ac;
        ac.name = "ac" + std::to_string(rng() % 6);
        ac.vlan = uint16_t(rng() % 3);
        s.attachment_circuits.push_back(ac);
      }
    }
    // Keys are unique in a valid state: keep the first of each.
    auto dedup = [](auto& v, auto key) {
      std::set<decltype(key(v[0]))> seen;
      std::erase_if(v, [&](auto& x) { return !seen.insert(key(x)).second; });
    };
    if (!s.ports.empty()) dedup(s.ports, [](const Port& p) { return p.name; });
    if (!s.nhlfes.empty()) dedup(s.nhlfes, [](const Nhlfe& p) { return p.id; });
    if (!s.ilm.empty()) dedup(s.ilm, [](const IlmEntry& p) { return p.label; });
    if (!s.ftn.empty()) dedup(s.ftn, [](const FtnEntry& p) { return p.fec; });
    if (!s.pseudowires.empty()) dedup(s.pseudowires, [](const Pseudowire& p) { return p.id; });
    if (!s.bridge_domains.empty()) dedup(s.bridge_domains, [](const BridgeDomain& p) { return p.name; });
    if (!s.replication_groups.empty()) dedup(s.replication_groups, [](const ReplicationGroup& p) { return p.id; });
    if (!s.ecmp_groups.empty()) dedup(s.ecmp_groups, [](const EcmpGroup& p) { return p.id; });
    if (!s.attachment_circuits.empty()) dedup(s.attachment_circuits, [](const AttachmentCircuit& p) { return p.name; });
    canonicalize(s);
    return s;
  };
  for (int i = 0; i < 300; ++i) {
    auto a = random_state(int(rng() % 30));
    auto b = random_state(int(rng() % 30));
    auto d = diff(a, b);
    EXPECT_EQ(apply(a, d), b) << "iteration " << i << "\n" << d;
    EXPECT_TRUE(diff(b, apply(a, d)).empty());
  }
}

}  // namespace
}  // namespace l2vpn
