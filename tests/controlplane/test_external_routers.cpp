// Routers run by someone else (FRR, a vendor router): `external: true`
// with their `lsr_id` (docs/topology-format.md, docs/ldp.md).
#include <gtest/gtest.h>

#include "controlplane/yaml_loader.hpp"

using namespace l2vpn;
using namespace l2vpn::cp;

TEST(YamlLoader, ExternalRoutersWithTheirLsrId) {
  auto t = parse_topology_yaml(R"(
routers:
  - {name: pe1, loopback: 10.255.0.1}
  - {name: frr, role: p, external: true, lsr_id: 10.255.0.9}
links:
  - {a: pe1, b: frr}
)", "t.yaml");
  ASSERT_TRUE(t) << t.error().message;
  const Router* frr = t->find_router("frr");
  ASSERT_NE(frr, nullptr);
  EXPECT_TRUE(frr->external);
  EXPECT_EQ(frr->loopback, "10.255.0.9");
  EXPECT_FALSE(t->find_router("pe1")->external);
  auto no_id = parse_topology_yaml("routers:\n  - {name: frr, external: true}\n", "t.yaml");
  ASSERT_FALSE(no_id);
  EXPECT_NE(no_id.error().message.find("t.yaml:2"), std::string::npos) << no_id.error().message;
  EXPECT_NE(no_id.error().message.find("needs its lsr_id"), std::string::npos) << no_id.error().message;
  auto clash = parse_topology_yaml("routers:\n  - {name: frr, external: true, lsr_id: 10.0.0.1, loopback: 10.0.0.2}\n", "t.yaml");
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message.find("differs from loopback"), std::string::npos) << clash.error().message;
  EXPECT_FALSE(parse_topology_yaml("routers:\n  - {name: frr, external: true, lsr_id: nope}\n", "t.yaml"));
}
