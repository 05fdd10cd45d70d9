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
  EXPECT_EQ((*plan)[0].devargs, "net_af_packet_n0,iface=to-pe1,framecnt=4096");
  EXPECT_TRUE((*plan)[0].kernel);
  EXPECT_EQ((*plan)[1].devargs, "net_tap3,iface=tp2");
  EXPECT_FALSE((*plan)[1].kernel);
  EXPECT_EQ((*plan)[2].devargs, "net_af_packet_n1,iface=to-pe2,framecnt=4096");
  EXPECT_TRUE((*plan)[2].kernel);
  // The bound device is not the kernel's: the kernel sees it through a tap
  // named after the port; the others have none.
  EXPECT_EQ((*plan)[1].tap, "net_tap_x0,iface=to-p2");
  EXPECT_EQ((*plan)[0].tap, "");
  EXPECT_EQ((*plan)[2].tap, "");
}

TEST(FastPathPlan, ExceptionTapsForBoundDevicesOnly) {
  FastPathOptions o;
  o.router = "p1";
  o.ports = {"to-pe1", "to-p2", "to-pe2"};
  o.bind["to-pe1"] = "net_af_packet9,iface=to-pe1,qpairs=1";  // af_packet on its own interface: beside
  o.bind["to-p2"] = "net_af_packet_cp0,iface=to-p2-phy";       // on another interface: behind a tap
  o.bind["to-pe2"] = "0000:03:00.0";                           // a NIC: behind a tap
  auto plan = plan_ports(o, links({"lo", "to-pe1", "to-p2-phy"}));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE((*plan)[0].kernel);
  EXPECT_EQ((*plan)[0].tap, "");
  EXPECT_FALSE((*plan)[1].kernel);
  EXPECT_EQ((*plan)[1].tap, "net_tap_x0,iface=to-p2");
  EXPECT_EQ((*plan)[2].tap, "net_tap_x1,iface=to-pe2");
  // --exception none: DPDK only.
  o.exception = "none";
  plan = plan_ports(o, links({"lo", "to-pe1", "to-p2-phy"}));
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ((*plan)[1].tap, "");
  EXPECT_EQ((*plan)[2].tap, "");
}

TEST(FastPathPlan, ExceptionTapNameTakenIsAnErrorNamingIt) {
  FastPathOptions o;
  o.router = "pe1";
  o.ports = {"to-p1"};
  o.bind["to-p1"] = "net_null0";
  auto plan = plan_ports(o, links({"lo", "to-p1"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("exception tap is the kernel interface 'to-p1', which exists already"),
            std::string::npos)
      << plan.error().message;
  o.exception = "none";  // DPDK only: the name does not matter
  EXPECT_TRUE(plan_ports(o, links({"lo", "to-p1"})));
  o.exception = "linuxcp";
  plan = plan_ports(o, links({"lo"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("--exception linuxcp"), std::string::npos);
  o.exception = "tap";
  o.ports = {"a-very-long-port-name"};
  o.bind = {{"a-very-long-port-name", "net_null0"}};
  plan = plan_ports(o, links({"lo"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("too long for a kernel interface name"), std::string::npos);
}

}  // namespace

TEST(FastPathPlan, AttachmentCircuitPortsAreTheFastPathsAlone) {
  FastPathOptions o;
  o.router = "pe1";
  o.ports = {"to-p1"};
  o.ac_ports = {{"ce1", "dc1"}, {"ce2", "dc2"}};
  o.bind["ce2"] = "net_memif0";
  auto plan = plan_ports(o, links({"lo", "to-p1", "ce1"}));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[1].port, "ce1");
  EXPECT_EQ((*plan)[1].devargs, "net_af_packet_n1,iface=ce1,framecnt=4096");
  EXPECT_FALSE((*plan)[1].kernel);  // L2 only: not shared with the kernel
  EXPECT_EQ((*plan)[1].tap, "");     // and no exception tap
  EXPECT_EQ((*plan)[2].devargs, "net_memif0");
  EXPECT_EQ((*plan)[2].tap, "");
}

TEST(FastPathPlan, MissingAttachmentCircuitInterfaceIsAnErrorNamingIt) {
  FastPathOptions o;
  o.router = "pe1";
  o.ports = {"to-p1"};
  o.ac_ports = {{"ce1", "dc1"}};
  auto plan = plan_ports(o, links({"lo", "to-p1"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("attachment circuit port 'ce1' (site 'dc1') has no kernel interface"),
            std::string::npos)
      << plan.error().message;
  o.ac_ports = {{"to-p1", "dc1"}};  // a core port is no AC
  plan = plan_ports(o, links({"lo", "to-p1"}));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("site 'dc1' uses core port 'to-p1'"), std::string::npos);
}
