// Frame builders: layout checked byte by byte, and decoded by tshark (the
// dissector a network engineer would use) when it is installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "dataplane/packet.hpp"
#include "trafficgen/frames.hpp"

using namespace l2vpn;
using namespace l2vpn::tg;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return out;
  char buf[4096];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, k);
  return out;
}

bool have_tshark() { return run("command -v tshark").find("tshark") != std::string::npos; }

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct TmpPcap {
  std::string path = "/tmp/tg_test_" + std::to_string(getpid()) + "_" +
                     std::to_string(reinterpret_cast<uintptr_t>(this)) + ".pcap";
  ~TmpPcap() { std::remove(path.c_str()); }
};

}  // namespace

TEST(FrameSpec, InvalidSpecsAreRejectedWithTheField) {
  FrameSpec s;
  s.flows = 0;
  EXPECT_NE(validate(s).error().message.find("flows"), std::string::npos);
  s.flows = 65537;
  EXPECT_FALSE(validate(s));
  s = FrameSpec{};
  s.kind = FrameKind::mpls;
  EXPECT_NE(validate(s).error().message.find("at least one label"), std::string::npos);
  s.labels = {1u << 20};
  EXPECT_NE(validate(s).error().message.find("labels[0]"), std::string::npos);
  s.labels = {16, 17, 18, 19, 20, 21, 22, 23, 24};
  EXPECT_NE(validate(s).error().message.find("depth 9"), std::string::npos);
  s.labels = {16, 17, 18, 19, 20, 21, 22};
  s.entropy_label = true;  // 7 + 2
  EXPECT_FALSE(validate(s));
  s = FrameSpec{};
  s.labels = {100};
  EXPECT_FALSE(validate(s));  // ethernet with labels
  s = FrameSpec{};
  s.control_word = true;
  EXPECT_FALSE(validate(s));
  s = FrameSpec{};
  s.inner_dst_mac[0] = 0x02;  // nibble 0: a control word after the stack
  EXPECT_FALSE(validate(s));
}

TEST(FrameSpec, SizesAndImix) {
  auto imix = parse_size("imix");
  ASSERT_TRUE(imix);
  unsigned n64 = 0, n570 = 0, n1518 = 0;
  for (auto v : imix->cycle) (v == 64 ? n64 : v == 570 ? n570 : n1518) += (v == 64 || v == 570 || v == 1518);
  EXPECT_EQ(n64, 7u);
  EXPECT_EQ(n570, 4u);
  EXPECT_EQ(n1518, 1u);
  EXPECT_NEAR(imix->mean_size(), (7 * 64 + 4 * 570 + 1518) / 12.0, 1e-9);
  EXPECT_FALSE(parse_size("63"));
  EXPECT_FALSE(parse_size("9001"));
  EXPECT_FALSE(parse_size("12x"));
  auto list = parse_sizes("64,imix,9000");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 3u);
  EXPECT_NE(parse_sizes("64,,1518").error().message.find("''"), std::string::npos);
}

TEST(Frames, LayoutAndStampOfEveryKind) {
  FrameSpec e;
  e.flows = 4;
  auto f = build_frame(e, 3, 64);
  EXPECT_EQ(f.size(), 60u);  // 64 with the FCS
  EXPECT_EQ(stamp_offset(e), 34u);
  auto st = find_stamp(f.data(), f.size());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->flow, 3);
  write_stamp(f.data() + stamp_offset(e), 3, 77, 0x0102030405060708ull);
  st = find_stamp(f.data(), f.size());
  EXPECT_EQ(st->seq, 77u);
  EXPECT_EQ(st->tsc, 0x0102030405060708ull);

  FrameSpec m;
  m.kind = FrameKind::mpls;
  m.labels = {1048575, 4096, 16};
  m.entropy_label = true;
  auto g = build_frame(m, 1, 1518);
  EXPECT_EQ(g.size(), 1514u);
  EXPECT_EQ(dp::lse::label(dp::load_be32(g.data() + 14)), 1048575u);
  EXPECT_EQ(dp::lse::label(dp::load_be32(g.data() + 18)), kEntropyLabelIndicator);
  EXPECT_EQ(dp::lse::label(dp::load_be32(g.data() + 22)), entropy_label_of(1));
  EXPECT_TRUE(dp::lse::bos(dp::load_be32(g.data() + 30)));
  ASSERT_TRUE(find_stamp(g.data(), g.size()));
  EXPECT_EQ(find_stamp(g.data(), g.size())->flow, 1);

  FrameSpec p;
  p.kind = FrameKind::pseudowire;
  p.labels = {2000, 300000};
  p.control_word = true;
  p.flow_label = true;
  p.vlan = 10;
  auto h = build_frame(p, 2, 64);
  // 64-byte customer frame + MAC header with tag (18) + 3 labels + CW.
  EXPECT_EQ(h.size(), 60u + 18 + 12 + 4);
  EXPECT_EQ(encap_overhead(p), 34u);
  ASSERT_TRUE(find_stamp(h.data(), h.size()));
  EXPECT_EQ(find_stamp(h.data(), h.size())->flow, 2);

  // A frame too small for its headers is raised to the smallest that fits.
  FrameSpec deep = m;
  deep.labels = {16, 17, 18, 19, 20, 21};
  EXPECT_GT(min_size(deep), 64u);
  EXPECT_EQ(build_frame(deep, 0, 64).size(), min_size(deep) - kFcsLen);
  EXPECT_FALSE(find_stamp(h.data(), 40));  // truncated: no stamp, no overread
}

TEST(Frames, FlowsVaryMacsLabelsAndFlowLabels) {
  FrameSpec p;
  p.kind = FrameKind::pseudowire;
  p.labels = {5000};
  p.flow_label = true;
  p.flows = 256;
  std::set<uint32_t> fl;
  std::set<std::string> macs;
  for (unsigned f = 0; f < p.flows; ++f) {
    auto b = build_frame(p, f, 64);
    fl.insert(dp::lse::label(dp::load_be32(b.data() + 18)));
    macs.insert(std::string(b.begin() + 22 + 6, b.begin() + 22 + 12));
    EXPECT_GE(flow_label_of(f), 16u);
  }
  EXPECT_GT(fl.size(), 250u);
  EXPECT_EQ(macs.size(), 256u);
}

// tshark decodes what we claim: stack depth, labels above 4095, the control
// word (with -d mpls.label==L,pwethcw), the flow label, the IPv4 payload.
TEST(Frames, TsharkDecodesThem) {
  if (!have_tshark()) GTEST_SKIP() << "tshark is not installed";
  FrameSpec m;
  m.kind = FrameKind::mpls;
  m.labels = {1048575, 70000, 4096, 16, 17, 18, 19, 20};  // depth 8
  FrameSpec pw;
  pw.kind = FrameKind::pseudowire;
  pw.labels = {2000, 123456};
  pw.control_word = true;
  pw.flow_label = true;
  FrameSpec e;
  TmpPcap pcap;
  ASSERT_TRUE(write_pcap(pcap.path, {build_frame(m, 0, 128), build_frame(pw, 5, 64), build_frame(e, 0, 64)}));
  // Wireshark picks the payload dissector by the bottom label: with a flow
  // label that is the flow label, not the PW label.
  const std::string decode_as = " -d mpls.label==" + std::to_string(flow_label_of(5)) + ",pwethcw";
  auto out = lines(run("tshark -r " + pcap.path + decode_as +
                       " -T fields -E separator='|' -e frame.len -e mpls.label -e mpls.bottom "
                       "-e pwethcw -e eth.dst -e ip.proto -e ip.len -e frame.protocols 2>/dev/null"));
  ASSERT_EQ(out.size(), 3u) << run("tshark -r " + pcap.path + " -V 2>/dev/null");
  // Frame 1: eight labels, the first two above 4095, S only on the last.
  EXPECT_NE(out[0].find("1048575,70000,4096,16,17,18,19,20"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("|0,0,0,0,0,0,0,1|"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("|253|"), std::string::npos) << out[0];
  // Frame 2: transport, PW label, flow label; control word; customer MAC; IPv4.
  std::string want_labels = "2000,123456," + std::to_string(flow_label_of(5));
  EXPECT_NE(out[1].find(want_labels), std::string::npos) << out[1];
  EXPECT_NE(out[1].find("5a:00:00:00:00:01"), std::string::npos) << out[1];
  EXPECT_NE(out[1].find("|253|"), std::string::npos) << out[1];
  EXPECT_NE(out[1].find("eth:ethertype:mpls:eth:ethertype:ip:data"), std::string::npos) << out[1];
  auto cw = lines(run("tshark -r " + pcap.path + decode_as +
                      " -Y pwethcw -T fields -e frame.number 2>/dev/null"));
  ASSERT_EQ(cw.size(), 1u);
  EXPECT_EQ(cw[0], "2");
  EXPECT_EQ(out[2].rfind("60|", 0), 0u) << out[2];  // 64 with the FCS
  EXPECT_NE(out[2].find("|253|46"), std::string::npos) << out[2];  // IPv4 length = 60 - 14
}
