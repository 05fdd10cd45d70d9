// The node fast path's port plan (node/fastpath.hpp), pure: af_packet on
// the kernel interface by default, --bind overrides, bad input named.
#include <gtest/gtest.h>

#include "node/fastpath.hpp"

using namespace l2vpn::node;

namespace {

KernelView links(std::vector<std::string> names) {
  KernelView k;
  int i = 1;
  for (auto& n : names) k.links[i++] = KernelLink{n, true, {2, 0, 0, 0, 0, uint8_t(i)}};
  return k;
}

TEST(FastPathPlan, UnknownBindPortIsAnErrorNamingIt) {
  FastPathOptions o;
  o.router = "pe1";
  o.ports = {"to-p1"};
  o.bind["to-p9"] = "net_tap0,iface=x";
  auto plan = plan_ports(o, links({"lo", "to-p1"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("--bind to-p9=net_tap0,iface=x"), std::string::npos);
  EXPECT_NE(plan.error().message.find("no port 'to-p9'"), std::string::npos);
  EXPECT_NE(plan.error().message.find("to-p1"), std::string::npos);  // what it has
}

TEST(FastPathPlan, MissingInterfaceIsAnErrorNamingIt) {
  FastPathOptions o;
  o.router = "pe1";
  o.ports = {"to-p1", "to-p2"};
  auto plan = plan_ports(o, links({"lo", "to-p1"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("port 'to-p2' has no kernel interface 'to-p2'"), std::string::npos);
}

TEST(FastPathPlan, AfPacketBesideTheKernelUnlessBound) {
  FastPathOptions o;
  o.router = "p1";
  o.ports = {"to-pe1", "to-p2", "to-pe2"};
  o.bind["to-p2"] = "net_tap3,iface=tp2";  // need not exist in the kernel
  auto plan = plan_ports(o, links({"lo", "to-pe1", "to-pe2"}));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].port, "to-pe1");
  EXPECT_EQ((*plan)[0].devargs, "net_af_packet_n0,iface=to-pe1");
  EXPECT_TRUE((*plan)[0].kernel);
  EXPECT_EQ((*plan)[1].devargs, "net_tap3,iface=tp2");
  EXPECT_FALSE((*plan)[1].kernel);
  EXPECT_EQ((*plan)[2].devargs, "net_af_packet_n1,iface=to-pe2");
  EXPECT_TRUE((*plan)[2].kernel);
}

}  // namespace
