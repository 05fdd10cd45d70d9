// Compiled tables: two-level ILM, every slot a miss until installed, memory
// proportional to the label blocks used, compile errors.
#include <gtest/gtest.h>

#include "dataplane/tables.hpp"
#include "dataplane_test_env.hpp"

namespace l2vpn::dp {
namespace {

using test::mac;

ForwardingState two_labels(uint32_t a, uint32_t b) {
  ForwardingState s;
  s.router = "R";
  s.ports = {{"p0", "", mac(1), 1500}};
  Nhlfe n;
  n.id = 1;
  n.op = NhlfeOp::swap;
  n.labels = {500};
  n.out_port = "p0";
  s.nhlfes = {n};
  s.ilm = {{a, IlmAction::forward, 1}, {b, IlmAction::pop_and_lookup, 0}};
  return s;
}

TEST(Tables, EmptyIlmMissesEveryLabel) {
  Tables t;
  for (uint32_t l = 0; l < kLabelSpace; l += 997) EXPECT_EQ(ilm_kind(t.ilm_lookup(l)), IlmKind::miss);
  EXPECT_EQ(ilm_kind(t.ilm_lookup(kMaxLabel)), IlmKind::miss);
}

TEST(Tables, LabelsAtBothEndsOfTheSpace) {
  auto t = compile_tables(two_labels(16, kMaxLabel), {{"p0", 0}});
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(ilm_kind((*t)->ilm_lookup(16)), IlmKind::forward);
  EXPECT_EQ(ilm_kind((*t)->ilm_lookup(kMaxLabel)), IlmKind::pop_lookup);
  EXPECT_EQ(ilm_kind((*t)->ilm_lookup(17)), IlmKind::miss);
  EXPECT_EQ(ilm_kind((*t)->ilm_lookup(kMaxLabel - 1)), IlmKind::miss);
  // Two used blocks of 1,024 labels: two 4 KiB chunks plus the shared miss chunk.
  EXPECT_LT((*t)->memory_bytes(), 64u * 1024);
  EXPECT_TRUE((*t)->chunk_used(0));
  EXPECT_TRUE((*t)->chunk_used(kIlmChunks - 1));
  EXPECT_FALSE((*t)->chunk_used(1));
}

TEST(Tables, CompiledNhlfeCarriesMacsAndLabels) {
  auto s = two_labels(100, 200);
  s.nhlfes[0].next_hop_mac = mac(0xee, 0x06);
  auto t = compile_tables(s, {{"p0", 0}});
  ASSERT_TRUE(t.ok());
  auto& n = (*t)->nhlfes[0];
  EXPECT_EQ(n.n_labels, 1);
  EXPECT_EQ(n.labels[0], 500u << 12);
  EXPECT_EQ(n.l2[5], 0xee);
  EXPECT_EQ(n.l2[11], 1);  // source MAC = the out port's
}

TEST(Tables, CompileErrors) {
  auto s = two_labels(100, 200);
  auto t = compile_tables(s, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("port 'p0' is not attached"), std::string::npos);
  // A PW whose transport swaps instead of pushing cannot be imposed.
  s.pseudowires.push_back({});
  auto& pw = s.pseudowires.back();
  pw.id = 1;
  pw.local_label = 300;
  pw.remote_label = 400;
  pw.transport = NextHop{NextHop::Kind::nhlfe, 1};
  t = compile_tables(s, {{"p0", 0}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("must be push"), std::string::npos) << t.error().message;
}

TEST(Tables, ThousandsOfLabelsInOneBlockShareChunks) {
  ForwardingState s = two_labels(16, 17);
  s.ilm.clear();
  for (uint32_t l = 1024; l < 1024 + 1024; ++l) s.ilm.push_back({l, IlmAction::forward, 1});
  auto t = compile_tables(s, {{"p0", 0}});
  ASSERT_TRUE(t.ok());
  EXPECT_LT((*t)->memory_bytes(), 64u * 1024);
  for (uint32_t l = 1024; l < 2048; ++l) ASSERT_EQ(ilm_kind((*t)->ilm_lookup(l)), IlmKind::forward);
}

}  // namespace
}  // namespace l2vpn::dp
