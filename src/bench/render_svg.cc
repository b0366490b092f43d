// `detour bench --plot FILE.svg`: per trace two charts over trace time, error rate and
// p99 latency, one line per arm, the trace's fault windows shaded. Plain SVG 1.1 with
// inline styles: no script, font file or stylesheet, so any browser or viewer shows it.
#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "bench/format.h"
#include "bench/report.h"

namespace detour::bench {
namespace {

constexpr double kWidth = 960;
constexpr double kLeft = 80, kRight = 30;   // plot margins inside the width
constexpr double kPanelHeight = 190;
constexpr double kPanelGap = 60;
constexpr double kHeader = 70;              // title, subtitle, legend
constexpr double kTraceHeight = kHeader + 2 * kPanelHeight + 2 * kPanelGap;
constexpr const char* kColours[] = {"#d62728", "#ff7f0e", "#1f77b4"};  // direct, retries, detour

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

std::string Num(double v) { return FormatFixed(v, 1); }

// A "nice" axis maximum and step (1, 2 or 5 times a power of ten) covering `max`.
std::pair<double, double> NiceAxis(double max, double floor) {
  max = std::max(max, floor);
  double raw = max / 5;
  double power = std::pow(10, std::floor(std::log10(raw)));
  double step = power;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  return {std::ceil(max / step) * step, step};
}

struct Panel {
  double top;
  double height;
  double x_max_s;  // trace seconds at the right edge
  double y_max;
  double X(double seconds) const { return kLeft + (kWidth - kLeft - kRight) * seconds / x_max_s; }
  double Y(double v) const { return top + height - height * std::min(v, y_max) / y_max; }
};

void Axes(std::ostringstream& o, const Panel& p, double step, const std::string& title,
          const std::function<std::string(double)>& label) {
  o << "<text x=\"" << kLeft << "\" y=\"" << Num(p.top - 10)
    << "\" font-size=\"13\" font-weight=\"bold\">" << Escape(title) << "</text>\n";
  for (double v = 0; v <= p.y_max + step / 2; v += step) {
    double y = p.Y(v);
    o << "<line x1=\"" << kLeft << "\" y1=\"" << Num(y) << "\" x2=\"" << kWidth - kRight << "\" y2=\""
      << Num(y) << "\" stroke=\"#e3e3e3\"/>\n";
    o << "<text x=\"" << kLeft - 6 << "\" y=\"" << Num(y + 4)
      << "\" font-size=\"11\" text-anchor=\"end\">" << Escape(label(v)) << "</text>\n";
  }
  auto [xmax, xstep] = NiceAxis(p.x_max_s / 60, 1);
  (void)xmax;
  for (double m = 0; m * 60 <= p.x_max_s + 1e-6; m += xstep) {
    double x = p.X(m * 60);
    o << "<text x=\"" << Num(x) << "\" y=\"" << Num(p.top + p.height + 16)
      << "\" font-size=\"11\" text-anchor=\"middle\">" << FormatFixed(m, m == std::floor(m) ? 0 : 1)
      << "m</text>\n";
  }
  o << "<rect x=\"" << kLeft << "\" y=\"" << Num(p.top) << "\" width=\"" << kWidth - kLeft - kRight
    << "\" height=\"" << p.height << "\" fill=\"none\" stroke=\"#888\"/>\n";
}

void FaultWindows(std::ostringstream& o, const Panel& p, const std::vector<TraceFault>& faults) {
  for (const auto& f : faults) {
    double x1 = p.X(static_cast<double>(f.from.count()) / 1000);
    double x2 = p.X(std::min(static_cast<double>(f.to.count()) / 1000, p.x_max_s));
    if (x2 <= x1) continue;
    o << "<rect x=\"" << Num(x1) << "\" y=\"" << Num(p.top) << "\" width=\"" << Num(x2 - x1)
      << "\" height=\"" << p.height << "\" fill=\"#888888\" fill-opacity=\"0.15\">"
      << "<title>" << FaultLabel(f.kind) << " " << FormatPercent(f.rate) << " of requests, "
      << Escape(f.target.name.empty() ? "*" : f.target.name) << "</title></rect>\n";
    o << "<text x=\"" << Num(x1 + 3) << "\" y=\"" << Num(p.top + 12)
      << "\" font-size=\"10\" fill=\"#555\">" << FaultLabel(f.kind) << "</text>\n";
  }
}

void Series(std::ostringstream& o, const Panel& p, const ArmResult& arm, size_t index,
            double width_s, bool latency) {
  o << "<polyline class=\"series\" data-arm=\"" << arm.arm << "\" fill=\"none\" stroke=\""
    << kColours[index % 3] << "\" stroke-width=\"" << (arm.arm == "detour" ? 2.2 : 1.6)
    << "\" points=\"";
  for (const auto& b : arm.timeline) {
    if (b.requests == 0) continue;
    double mid = static_cast<double>(b.from.count()) / 1000 + width_s / 2;
    double v = latency ? b.p99_latency_ms / 1000 : b.error_rate * 100;
    o << Num(p.X(std::min(mid, p.x_max_s))) << "," << Num(p.Y(v)) << " ";
  }
  o << "\"/>\n";
}

void Legend(std::ostringstream& o, const TraceResult& t, double top) {
  double x = kWidth - kRight - 330;
  for (size_t i = 0; i < t.arms.size(); i++) {
    double lx = x + static_cast<double>(i) * 95;
    o << "<line x1=\"" << Num(lx) << "\" y1=\"" << Num(top) << "\" x2=\"" << Num(lx + 22) << "\" y2=\""
      << Num(top) << "\" stroke=\"" << kColours[i % 3] << "\" stroke-width=\"3\"/>\n";
    o << "<text x=\"" << Num(lx + 27) << "\" y=\"" << Num(top + 4) << "\" font-size=\"12\">"
      << Escape(t.arms[i].arm) << "</text>\n";
  }
  double fx = x + 3 * 95;
  o << "<rect x=\"" << Num(fx) << "\" y=\"" << Num(top - 6) << "\" width=\"14\" height=\"12\" "
    << "fill=\"#888888\" fill-opacity=\"0.3\"/>\n<text x=\"" << Num(fx + 18) << "\" y=\""
    << Num(top + 4) << "\" font-size=\"12\">fault</text>\n";
}

void RenderTrace(std::ostringstream& o, const TraceResult& t, double top) {
  o << "<g class=\"trace\" data-trace=\"" << Escape(t.name) << "\">\n";
  o << "<text x=\"20\" y=\"" << Num(top + 24) << "\" font-size=\"17\" font-weight=\"bold\">"
    << Escape(t.name) << "</text>\n";
  std::string sub = t.description.empty() ? "" : t.description + " · ";
  sub += FormatDuration(t.duration) + " of trace time, seed " + std::to_string(t.seed);
  o << "<text x=\"20\" y=\"" << Num(top + 44) << "\" font-size=\"12\" fill=\"#444\">" << Escape(sub)
    << "</text>\n";
  Legend(o, t, top + 20);

  double x_max_s = std::max(1.0, static_cast<double>(t.duration.count()) / 1000);
  double width_s = 1;
  if (!t.arms.empty() && t.arms[0].timeline.size() > 1)
    width_s = static_cast<double>((t.arms[0].timeline[1].from - t.arms[0].timeline[0].from).count()) / 1000;
  double max_err = 0, max_lat = 0;
  for (const auto& a : t.arms)
    for (const auto& b : a.timeline) {
      max_err = std::max(max_err, b.error_rate * 100);
      max_lat = std::max(max_lat, b.p99_latency_ms / 1000);
    }

  auto [err_max, err_step] = NiceAxis(max_err, 5);
  Panel errors{top + kHeader + 20, kPanelHeight, x_max_s, err_max};
  FaultWindows(o, errors, t.faults);
  Axes(o, errors, err_step, "error rate (% of requests started in each interval)",
       [](double v) { return FormatFixed(v, v == std::floor(v) ? 0 : 1) + "%"; });
  for (size_t i = 0; i < t.arms.size(); i++) Series(o, errors, t.arms[i], i, width_s, false);

  auto [lat_max, lat_step] = NiceAxis(max_lat, 1);
  Panel latency{errors.top + kPanelHeight + kPanelGap, kPanelHeight, x_max_s, lat_max};
  FaultWindows(o, latency, t.faults);
  Axes(o, latency, lat_step, "p99 latency (seconds, trace time)",
       [](double v) { return FormatFixed(v, v == std::floor(v) ? 0 : 1) + " s"; });
  for (size_t i = 0; i < t.arms.size(); i++) Series(o, latency, t.arms[i], i, width_s, true);
  o << "</g>\n";
}

}  // namespace

std::string RenderSvg(const BenchReport& report) {
  std::ostringstream o;
  double height = std::max<double>(1, static_cast<double>(report.traces.size())) * kTraceHeight;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << kWidth << "\" height=\""
    << Num(height) << "\" viewBox=\"0 0 " << kWidth << " " << Num(height)
    << "\" font-family=\"Helvetica, Arial, sans-serif\">\n"
    << "<title>detour bench: " << Escape(report.config) << ", seed " << report.seed << "</title>\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (size_t i = 0; i < report.traces.size(); i++)
    RenderTrace(o, report.traces[i], static_cast<double>(i) * kTraceHeight);
  o << "</svg>\n";
  return o.str();
}

}  // namespace detour::bench
