// LDP-style label distribution: allocation, PHP, explicit null, ECMP, LFA.
#include <gtest/gtest.h>

#include <set>

#include "controlplane/ldp.hpp"
#include "controlplane/network.hpp"
#include "cp_test_util.hpp"

namespace l2vpn::cp {
namespace {

using test::Builder;
using test::find_ftn;
using test::find_ilm;

NetworkState must(const Topology& t, const Failures& f = {}) {
  auto r = compute(t, f);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : NetworkState{};
}

Topology line() {
  Builder b;
  b.pe("A").pe("B").pe("C").link("A", "B").link("B", "C");
  return b.t;
}

TEST(LdpLabels, RangeTooSmallIsAnError) {
  Topology t = line();
  t.routers[1].labels = {100, 101};  // two labels, three FECs
  auto r = compute(t);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("router 'B'"), std::string::npos);
  t.routers[1].labels = {5, 2000};  // reserved labels
  EXPECT_FALSE(compute(t).ok());
}

TEST(LdpLabels, EachRouterAllocatesFromItsRangeOncePerFec) {
  auto st = must(line());
  const auto& b = st.routers.at("B");
  // B allocates for A's and C's loopbacks (its own is implicit null).
  ASSERT_EQ(b.ilm.size(), 2u);
  EXPECT_EQ(b.ilm[0].label, 2000u);  // first + FEC index 0 (A)
  EXPECT_EQ(b.ilm[1].label, 2002u);  // FEC index 2 (C)
}

TEST(LdpLabels, NoLabelTwiceAndAllInRangeOnRandomTopologies) {
  for (uint32_t seed = 1; seed <= 15; ++seed) {
    Topology t = test::random_two_connected(seed, 14, 7);
    auto st = must(t);
    for (auto& r : t.routers) {
      const auto& fs = st.routers.at(r.name);
      std::set<uint32_t> seen;
      for (auto& e : fs.ilm) {
        EXPECT_TRUE(seen.insert(e.label).second) << r.name << " label " << e.label;
        EXPECT_GE(e.label, r.labels.first);
        EXPECT_LE(e.label, r.labels.last);
      }
      for (auto& pw : fs.pseudowires) {
        EXPECT_GE(pw.local_label, r.labels.first);
        EXPECT_LE(pw.local_label, r.labels.last);
        if (!pw.up) {
          EXPECT_TRUE(seen.insert(pw.local_label).second) << "down PW label reused";
        }
      }
      EXPECT_TRUE(validate(fs).ok()) << validate(fs).error().message;
    }
  }
}

TEST(LdpLabels, SameTopologySameLabels) {
  Topology t = test::random_two_connected(7, 12, 5);
  EXPECT_EQ(must(t).routers, must(t).routers);
}

TEST(LdpPhp, PenultimateHopPops) {
  auto st = must(line());
  const auto& a = st.routers.at("A");
  const auto& b = st.routers.at("B");
  // At B, the label for C's FEC pops toward C.
  auto* e = find_ilm(b, 2002);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->action, IlmAction::forward);
  auto* n = b.find_nhlfe(e->target);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->op, NhlfeOp::pop);
  EXPECT_TRUE(n->labels.empty());
  EXPECT_EQ(n->out_port, "to-C");
  EXPECT_EQ(n->next_hop_mac, st.routers.at("C").find_port("to-B")->mac);
  // A pushes B's label for C; B's own FTN to C pushes nothing.
  auto* f = find_ftn(a, "10.255.0.3/32");
  ASSERT_TRUE(f);
  auto* p = a.find_nhlfe(f->next_hop.id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->op, NhlfeOp::push);
  EXPECT_EQ(p->labels, std::vector<uint32_t>{2002});
  auto* fb = find_ftn(b, "10.255.0.3/32");
  ASSERT_TRUE(fb);
  EXPECT_TRUE(b.find_nhlfe(fb->next_hop.id)->labels.empty());
  // Nobody installs an ILM entry for its own loopback.
  EXPECT_FALSE(find_ilm(st.routers.at("C"), 3002));
}

TEST(LdpPhp, ExplicitNullSwapsToZero) {
  Topology t = line();
  t.routers[2].explicit_null = true;
  auto st = must(t);
  const auto& b = st.routers.at("B");
  auto* e = find_ilm(b, 2002);
  ASSERT_TRUE(e);
  auto* n = b.find_nhlfe(e->target);
  EXPECT_EQ(n->op, NhlfeOp::swap);
  EXPECT_EQ(n->labels, std::vector<uint32_t>{0});
  auto* fb = find_ftn(b, "10.255.0.3/32");
  EXPECT_EQ(b.find_nhlfe(fb->next_hop.id)->labels, std::vector<uint32_t>{0});
  // The egress installs nothing for label 0: the dataplane owns it.
  EXPECT_FALSE(find_ilm(st.routers.at("C"), 0));
  EXPECT_TRUE(validate(b).ok());
}

TEST(LdpEcmp, IlmAndFtnUseEcmpGroups) {
  Builder b;
  b.pe("A").pe("B").pe("C").pe("D").link("A", "B").link("B", "C").link("C", "D").link("D", "A");
  auto st = must(b.t);
  const auto& a = st.routers.at("A");
  auto* f = find_ftn(a, "10.255.0.3/32");
  ASSERT_TRUE(f);
  ASSERT_EQ(f->next_hop.kind, NextHop::Kind::ecmp);
  auto m = a.nhlfes_of(f->next_hop);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0]->labels, std::vector<uint32_t>{2002});  // B's label for C
  EXPECT_EQ(m[1]->labels, std::vector<uint32_t>{4002});  // D's label for C
  auto* e = find_ilm(a, 1002);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->action, IlmAction::ecmp);
  // Each member is the other's LFA.
  EXPECT_EQ(m[0]->backup_nhlfe, m[1]->id);
  EXPECT_EQ(m[1]->backup_nhlfe, m[0]->id);
}

TEST(LdpLfa, BackupUsesTheAlternateNeighborsLabel) {
  Builder b;
  b.pe("A").pe("B").pe("C").link("A", "B").link("B", "C").link("A", "C", 30);
  auto st = must(b.t);
  const auto& a = st.routers.at("A");
  // ILM at A for B... take the FTN to C: primary via B, backup direct to C.
  auto* f = find_ftn(a, "10.255.0.3/32");
  auto* p = a.find_nhlfe(f->next_hop.id);
  ASSERT_TRUE(p && p->backup_nhlfe);
  EXPECT_EQ(p->out_port, "to-B");
  EXPECT_EQ(p->labels, std::vector<uint32_t>{2002});
  auto* bk = a.find_nhlfe(*p->backup_nhlfe);
  ASSERT_TRUE(bk);
  EXPECT_EQ(bk->out_port, "to-C");
  EXPECT_TRUE(bk->labels.empty()) << "C is the egress: implicit null";
  EXPECT_EQ(bk->op, NhlfeOp::push);
  // Transit: the ILM for C's FEC at A swaps, backup pops into C.
  auto* e = find_ilm(a, 1002);
  auto* s = a.find_nhlfe(e->target);
  EXPECT_EQ(s->op, NhlfeOp::swap);
  EXPECT_EQ(a.find_nhlfe(*s->backup_nhlfe)->op, NhlfeOp::pop);
}

TEST(LdpIds, NhlfeIdsStableAcrossFailure) {
  Builder b;
  b.pe("A").pe("B").pe("C").pe("D").link("A", "B").link("B", "C").link("C", "D").link("D", "A");
  auto before = must(b.t);
  Failures f;
  f.link_endpoints.insert({"C", "D"});
  auto after = must(b.t, f);
  // A's NHLFE toward B for C's FEC is the same object with the same id.
  auto& a0 = before.routers.at("A");
  auto& a1 = after.routers.at("A");
  auto* f1 = find_ftn(a1, "10.255.0.3/32");
  ASSERT_EQ(f1->next_hop.kind, NextHop::Kind::nhlfe);
  auto* n1 = a1.find_nhlfe(f1->next_hop.id);
  auto* n0 = a0.find_nhlfe(f1->next_hop.id);
  ASSERT_TRUE(n0 && n1);
  EXPECT_EQ(n0->labels, n1->labels);
  EXPECT_EQ(n0->out_port, n1->out_port);
}

}  // namespace
}  // namespace l2vpn::cp
