#include "trafficgen/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace l2vpn::tg {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string table_header() {
  return fmt::format("{:<12} {:>6} {:>6} {:>10} {:>10} {:>9} {:>8} {:>8} {:>22} {:>9}  {}\n", "mode",
                     "size", "lcores", "NDR Mpps", "PDR Mpps", "NDR Gb/s", "/macswap", "/testpmd",
                     "latency avg/p99/max us", "b2b", "note") +
         std::string(119, '-') + "\n";
}

std::string table_line(const ResultRow& r, const BenchReport& rep) {
  std::string ratio = "-";
  if (rep.testpmd_ok && r.size == "64" && rep.testpmd_pps > 0)
    ratio = fmt::format("{:.2f}", r.ndr_median / rep.testpmd_pps);
  // Against the harness's own macswap (same tester, same devices, same size
  // and lcores): what our forwarding costs beyond moving the frame.
  std::string vs_mac = "-";
  for (auto& m : rep.rows)
    if (m.mode == "macswap" && m.size == r.size && m.workers == r.workers && m.ndr_median > 0 &&
        r.mode != "macswap")
      vs_mac = fmt::format("{:.2f}", r.ndr_median / m.ndr_median);
  std::string lat = "-";
  if (r.latency.samples)
    lat = fmt::format("{:.1f}/{:.1f}/{:.1f}", r.latency.avg_ns / 1e3, r.latency.p99_ns / 1e3,
                      r.latency.max_ns / 1e3);
  std::string b2b = "-";
  if (!r.back_to_back.empty()) {
    double s = 0;
    for (auto b : r.back_to_back) s += double(b);
    b2b = fmt::format("{:.0f}", s / double(r.back_to_back.size()));
  }
  std::string note;
  if (r.tester_bound) note = "tester-bound: the DUT may be faster";
  if (r.dut_drops) note += (note.empty() ? "" : "; ") + fmt::format("DUT drops: {}", r.dut_drop_reasons);
  std::string ndr = fmt::format("{:.3f}", r.ndr_median / 1e6);
  if (r.ndr_pps.size() > 1) {
    auto [lo, hi] = std::minmax_element(r.ndr_pps.begin(), r.ndr_pps.end());
    note += (note.empty() ? "" : "; ") + fmt::format("NDR {:.3f}..{:.3f} over {} runs", *lo / 1e6, *hi / 1e6,
                                                     r.ndr_pps.size());
  }
  return fmt::format("{:<12} {:>6} {:>6} {:>10} {:>10.3f} {:>9.2f} {:>8} {:>8} {:>22} {:>9}  {}\n", r.mode,
                     r.size, r.workers, ndr, r.pdr_median / 1e6,
                     bits_per_second(r.ndr_median, r.mean_size, false) / 1e9, vs_mac, ratio, lat, b2b,
                     note);
}

std::string format_report(const BenchReport& rep) {
  std::string s = "\n== l2vpn bench ==\n";
  s += "machine: " + rep.machine + "\n";
  s += "memory: " + rep.memory + "\n";
  s += "devices: " + rep.devices + "\n";
  s += "lcores: " + rep.lcores + "\n";
  s += fmt::format("search: NDR (no loss) and PDR (loss <= {:.3g} %) by binary search to {:.3g} %, "
                   "trials of {:.3g} s, {} repetition(s), {} flows, a failing trial retried {} time(s)\n",
                   rep.pdr_tolerance * 100, rep.resolution * 100, rep.trial_seconds, rep.repetitions,
                   rep.flows, rep.fail_retries);
  if (rep.testpmd_ok)
    s += fmt::format("baseline: dpdk-testpmd macswap, same net_ring devices, 1 forwarding core, 64 B: "
                     "{:.2f} Mpps median, {:.2f} best\n          ({})\n",
                     rep.testpmd_pps / 1e6, rep.testpmd_best_pps / 1e6, rep.testpmd_command);
  else if (!rep.testpmd_why.empty())
    s += "baseline: dpdk-testpmd not measured: " + rep.testpmd_why + "\n";
  for (auto& [m, what] : rep.modes) s += fmt::format("  {}: {}\n", m, what);
  for (auto& n : rep.notes) s += "note: " + n + "\n";
  s += "\n" + table_header();
  for (auto& r : rep.rows) s += table_line(r, rep);
  bool any_loss = false;
  for (auto& r : rep.rows) any_loss |= !r.loss_steps.empty();
  if (any_loss) {
    s += "\nframe loss rate at stepped loads (RFC 2544 26.3; % of the ceiling: loss %):\n";
    for (auto& r : rep.rows) {
      if (r.loss_steps.empty()) continue;
      s += fmt::format("  {:<12} {:>6} {}w:", r.mode, r.size, r.workers);
      for (auto& l : r.loss_steps) s += fmt::format("  {:.0f}%: {:.3f}", l.load * 100, l.loss_ratio * 100);
      s += "\n";
    }
  }
  return s;
}

std::string report_json(const BenchReport& rep) {
  using nlohmann::json;
  json j;
  j["command"] = rep.command;
  j["machine"] = rep.machine;
  j["memory"] = rep.memory;
  j["devices"] = rep.devices;
  j["lcores"] = rep.lcores;
  j["notes"] = rep.notes;
  j["search"] = {{"trial_seconds", rep.trial_seconds},
                 {"resolution", rep.resolution},
                 {"pdr_loss_tolerance", rep.pdr_tolerance},
                 {"repetitions", rep.repetitions},
                 {"fail_retries", rep.fail_retries},
                 {"flows", rep.flows}};
  j["modes"] = json::object();
  for (auto& [m, what] : rep.modes) j["modes"][m] = what;
  j["baseline_testpmd_macswap"] = {{"measured", rep.testpmd_ok},
                                   {"mpps_median", rep.testpmd_pps / 1e6},
                                   {"mpps_best", rep.testpmd_best_pps / 1e6},
                                   {"command", rep.testpmd_command},
                                   {"why_not", rep.testpmd_why}};
  j["results"] = json::array();
  for (auto& r : rep.rows) {
    json x;
    x["mode"] = r.mode;
    x["size"] = r.size;
    x["mean_frame_bytes"] = r.mean_size;
    x["lcores"] = r.workers;
    x["ceiling_mpps"] = r.ceiling_pps / 1e6;
    x["ndr_mpps"] = r.ndr_median / 1e6;
    x["pdr_mpps"] = r.pdr_median / 1e6;
    x["ndr_mpps_runs"] = json::array();
    for (auto v : r.ndr_pps) x["ndr_mpps_runs"].push_back(v / 1e6);
    x["pdr_mpps_runs"] = json::array();
    for (auto v : r.pdr_pps) x["pdr_mpps_runs"].push_back(v / 1e6);
    x["ndr_gbps_l2"] = bits_per_second(r.ndr_median, r.mean_size, false) / 1e9;
    x["ndr_gbps_l1"] = bits_per_second(r.ndr_median, r.mean_size, true) / 1e9;
    x["tester_bound"] = r.tester_bound;
    x["latency"] = {{"rate_mpps", r.latency_rate_pps / 1e6}, {"samples", r.latency.samples},
                    {"min_us", r.latency.min_ns / 1e3},      {"avg_us", r.latency.avg_ns / 1e3},
                    {"max_us", r.latency.max_ns / 1e3},      {"p50_us", r.latency.p50_ns / 1e3},
                    {"p90_us", r.latency.p90_ns / 1e3},      {"p99_us", r.latency.p99_ns / 1e3},
                    {"p999_us", r.latency.p999_ns / 1e3}};
    x["reordered"] = r.reordered;
    x["duplicates"] = r.duplicates;
    x["loss_steps"] = json::array();
    for (auto& l : r.loss_steps)
      x["loss_steps"].push_back({{"load", l.load}, {"rate_mpps", l.rate_pps / 1e6},
                                 {"offered_mpps", l.offered_pps / 1e6}, {"loss_ratio", l.loss_ratio}});
    x["back_to_back_frames"] = r.back_to_back;
    x["trials"] = r.trials;
    x["void_trials"] = r.void_trials;
    x["dut"] = {{"rx", r.dut_rx}, {"forwarded", r.dut_forwarded}, {"drops", r.dut_drops},
                {"drop_reasons", r.dut_drop_reasons}};
    if (rep.testpmd_ok && r.size == "64") x["ndr_over_testpmd"] = r.ndr_median / rep.testpmd_pps;
    j["results"].push_back(x);
  }
  return j.dump(2);
}

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

double nice_max(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (v <= m * p) return m * p;
  return 10 * p;
}

}  // namespace

// Two panels over the same x axis (the frame sizes, in the order run):
// NDR Mpps (solid) and PDR (dotted) per mode and lcore count, and average
// latency at the NDR (solid) with p99 (dotted), in microseconds.
std::string report_svg(const BenchReport& rep) {
  std::vector<std::string> sizes;
  std::map<std::string, std::vector<const ResultRow*>> series;  // "mode, N lcores"
  std::vector<std::string> order;
  for (auto& r : rep.rows) {
    if (std::find(sizes.begin(), sizes.end(), r.size) == sizes.end()) sizes.push_back(r.size);
    auto key = fmt::format("{}, {} lcore{}", r.mode, r.workers, r.workers > 1 ? "s" : "");
    if (!series.count(key)) order.push_back(key);
    series[key].push_back(&r);
  }
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                          "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
  const double W = 900, panel_h = 260, left = 70, right = 230, top = 50, gap = 70;
  const double pw = W - left - right;
  const double H = top + 2 * panel_h + gap + 60;
  double max_mpps = 0, max_lat = 0;
  for (auto& r : rep.rows) {
    max_mpps = std::max({max_mpps, r.ndr_median / 1e6, r.pdr_median / 1e6});
    max_lat = std::max(max_lat, r.latency.p99_ns / 1e3);
  }
  if (rep.testpmd_ok) max_mpps = std::max(max_mpps, rep.testpmd_pps / 1e6);
  max_mpps = nice_max(max_mpps);
  max_lat = nice_max(max_lat);
  auto xpos = [&](const std::string& size) {
    size_t i = size_t(std::find(sizes.begin(), sizes.end(), size) - sizes.begin());
    return left + pw * (double(i) + 0.5) / double(std::max<size_t>(sizes.size(), 1));
  };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">l2vpn bench: throughput and latency "
      "against frame size</text>\n<text x=\"{2}\" y=\"38\" fill=\"#555\">{3}</text>\n",
      W, H, left, esc(rep.devices.substr(0, 110)));
  auto panel = [&](double y0, double ymax, const std::string& title, bool latency) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", left, y0 - 8, esc(title));
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n",
                     left, y0, pw, panel_h);
    for (int t = 0; t <= 5; ++t) {
      double y = y0 + panel_h - panel_h * t / 5.0;
      s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", left, y,
                       left + pw, y);
      s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.3g}</text>\n", left - 6, y + 4,
                       ymax * t / 5.0);
    }
    for (auto& sz : sizes)
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", xpos(sz),
                       y0 + panel_h + 16, sz == "imix" ? "IMIX" : sz + " B");
    auto ypos = [&](double v) { return y0 + panel_h - panel_h * std::min(v, ymax) / ymax; };
    if (!latency && rep.testpmd_ok) {
      double y = ypos(rep.testpmd_pps / 1e6);
      s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"black\" "
                       "stroke-dasharray=\"6,3\"/>\n<text x=\"{}\" y=\"{:.1f}\" font-size=\"10\">testpmd "
                       "macswap 64 B, 1 core: {:.1f} Mpps</text>\n",
                       left, y, left + pw, y, left + 4, y - 3, rep.testpmd_pps / 1e6);
    }
    size_t ci = 0;
    for (auto& key : order) {
      const char* c = colors[ci++ % 10];
      for (int kind = 0; kind < 2; ++kind) {
        std::string pts;
        for (auto* r : series[key]) {
          double v = latency ? (kind ? r->latency.p99_ns : r->latency.avg_ns) / 1e3
                             : (kind ? r->pdr_median : r->ndr_median) / 1e6;
          if (latency && !r->latency.samples) continue;
          pts += fmt::format("{:.1f},{:.1f} ", xpos(r->size), ypos(v));
          if (kind == 0)
            s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", xpos(r->size),
                             ypos(v), c);
        }
        s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", pts,
                         c, kind ? 1 : 2, kind ? " stroke-dasharray=\"3,3\"" : "");
      }
    }
  };
  panel(top + 10, max_mpps, "Throughput, Mpps (solid: NDR, dotted: PDR)", false);
  panel(top + 10 + panel_h + gap, max_lat, "Latency at the NDR, microseconds (solid: average, dotted: p99)",
        true);
  size_t ci = 0;
  double ly = top + 20;
  for (auto& key : order) {
    s += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"14\" height=\"4\" fill=\"{}\"/>\n", left + pw + 16,
                     ly - 4, colors[ci++ % 10]);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\">{}</text>\n", left + pw + 36, ly, esc(key));
    ly += 18;
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\" font-size=\"10\">{}</text>\n", left, H - 12,
                   esc(rep.machine.substr(0, 140)));
  s += "</svg>\n";
  return s;
}

}  // namespace l2vpn::tg
