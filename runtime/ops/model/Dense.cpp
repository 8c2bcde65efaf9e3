#include "runtime/ops/model/Dense.h"

#include "runtime/ops/Table.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mlpc::ops::model {

namespace {

// out (m x n) = in (m x k) * w (k x n) + b, row by row; the inner loop runs
// over a contiguous row of w.
void affine(const double *in, size_t m, size_t k, const double *w, const double *b, size_t n,
            double *out) {
  for (size_t r = 0; r < m; ++r) {
    const double *a = in + r * k;
    double *o = out + r * n;
    for (size_t j = 0; j < n; ++j) // a loop, not a memmove call: n is small
      o[j] = b[j];
    for (size_t i = 0; i < k; ++i) {
      const double ai = a[i];
      const double *wi = w + i * n;
      for (size_t j = 0; j < n; ++j)
        o[j] += ai * wi[j];
    }
  }
}

void relu(double *v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    v[i] = v[i] > 0.0 ? v[i] : 0.0;
}

// Logits to probabilities in place, one row of n at a time.
void softmaxRows(double *z, size_t m, size_t n) {
  for (size_t r = 0; r < m; ++r) {
    double *row = z + r * n;
    double top = *std::max_element(row, row + n);
    double sum = 0.0;
    for (size_t j = 0; j < n; ++j) {
      row[j] = std::exp(row[j] - top);
      sum += row[j];
    }
    for (size_t j = 0; j < n; ++j)
      row[j] /= sum;
  }
}

// Activations of every layer for up to `capacity` rows: acts[0] is the input
// batch, acts[l + 1] the output of layer l (the last holds probabilities).
struct Workspace {
  std::vector<std::vector<double>> acts;
  Workspace(const DenseNet &net, size_t capacity) {
    acts.resize(net.sizes.size());
    for (size_t l = 0; l < net.sizes.size(); ++l)
      acts[l].resize(capacity * net.sizes[l]);
  }
};

// Forward pass of m rows at `in`; leaves logits (not probabilities) in the
// last buffer.
void forwardLogits(const DenseNet &net, const double *in, size_t m, Workspace &ws) {
  size_t layers = net.layers();
  for (size_t l = 0; l < layers; ++l) {
    const double *src = l == 0 ? in : ws.acts[l].data();
    size_t k = net.sizes[l], n = net.sizes[l + 1];
    affine(src, m, k, net.weights[l].data(), net.biases[l].data(), n, ws.acts[l + 1].data());
    if (l + 1 < layers)
      relu(ws.acts[l + 1].data(), m * n);
  }
}

// Adam's or SGD's state for one parameter array.
struct ParamState {
  std::vector<double> grad, m, v;
};

void update(std::vector<double> &w, ParamState &s, const DenseTraining &c, double correct1,
            double correct2) {
  size_t n = w.size();
  double lr = c.learningRate;
  if (!c.adam) {
    for (size_t i = 0; i < n; ++i)
      w[i] -= lr * s.grad[i];
    return;
  }
  double b1 = c.beta1, b2 = c.beta2, eps = c.epsilon;
  for (size_t i = 0; i < n; ++i) {
    double g = s.grad[i];
    s.m[i] = b1 * s.m[i] + (1.0 - b1) * g;
    s.v[i] = b2 * s.v[i] + (1.0 - b2) * g * g;
    w[i] -= lr * (s.m[i] / correct1) / (std::sqrt(s.v[i] / correct2) + eps);
  }
}

} // namespace

double trainDenseCpu(DenseNet &net, const double *x, const int32_t *y, size_t rows,
                     const DenseTraining &config, const EpochOrder &order) {
  const size_t layers = net.layers();
  const size_t features = net.sizes.front(), classes = net.sizes.back();
  const size_t batch = std::max<size_t>(1, std::min(config.batchSize, rows));
  Workspace ws(net, batch);
  size_t widest = *std::max_element(net.sizes.begin(), net.sizes.end());
  std::vector<double> delta(batch * widest), deltaPrev(batch * widest);
  std::vector<ParamState> wState(layers), bState(layers);
  for (size_t l = 0; l < layers; ++l) {
    wState[l].grad.resize(net.weights[l].size());
    bState[l].grad.resize(net.biases[l].size());
    if (config.adam) {
      wState[l].m.assign(net.weights[l].size(), 0.0);
      wState[l].v.assign(net.weights[l].size(), 0.0);
      bState[l].m.assign(net.biases[l].size(), 0.0);
      bState[l].v.assign(net.biases[l].size(), 0.0);
    }
  }
  std::vector<uint32_t> perm(rows);
  std::iota(perm.begin(), perm.end(), 0u);
  std::vector<double> &input = ws.acts[0];
  long step = 0;

  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    if (!order(epoch, perm.data(), rows))
      throw OpError("training was canceled");
    for (size_t start = 0; start < rows; start += batch) {
      const size_t m = std::min(batch, rows - start);
      for (size_t r = 0; r < m; ++r) {
        const double *src = x + static_cast<size_t>(perm[start + r]) * features;
        double *dst = input.data() + r * features;
        for (size_t f = 0; f < features; ++f)
          dst[f] = src[f];
      }
      forwardLogits(net, input.data(), m, ws);
      double *probs = ws.acts[layers].data();
      softmaxRows(probs, m, classes);
      // d(mean loss)/d(logits) = (p - onehot(y)) / m.
      const double invM = 1.0 / static_cast<double>(m);
      for (size_t r = 0; r < m; ++r) {
        int32_t label = y[perm[start + r]];
        for (size_t j = 0; j < classes; ++j)
          delta[r * classes + j] =
              (probs[r * classes + j] - (static_cast<size_t>(label) == j ? 1.0 : 0.0)) * invM;
      }
      // Backward: every gradient from the weights before this step's update.
      for (size_t l = layers; l-- > 0;) {
        const size_t k = net.sizes[l], n = net.sizes[l + 1];
        const double *a = ws.acts[l].data();
        std::vector<double> &gw = wState[l].grad, &gb = bState[l].grad;
        std::fill(gw.begin(), gw.end(), 0.0);
        std::fill(gb.begin(), gb.end(), 0.0);
        for (size_t r = 0; r < m; ++r) {
          const double *d = delta.data() + r * n;
          for (size_t j = 0; j < n; ++j)
            gb[j] += d[j];
          for (size_t i = 0; i < k; ++i) {
            const double ai = a[r * k + i];
            double *g = gw.data() + i * n;
            for (size_t j = 0; j < n; ++j)
              g[j] += ai * d[j];
          }
        }
        if (l == 0)
          break;
        // Through the ReLU that produced a: zero where it was inactive.
        const double *w = net.weights[l].data();
        for (size_t r = 0; r < m; ++r) {
          const double *d = delta.data() + r * n;
          for (size_t i = 0; i < k; ++i) {
            double sum = 0.0;
            if (a[r * k + i] > 0.0) {
              const double *wi = w + i * n;
              for (size_t j = 0; j < n; ++j)
                sum += d[j] * wi[j];
            }
            deltaPrev[r * k + i] = sum;
          }
        }
        delta.swap(deltaPrev);
      }
      ++step;
      double correct1 = 1.0 - std::pow(config.beta1, static_cast<double>(step));
      double correct2 = 1.0 - std::pow(config.beta2, static_cast<double>(step));
      for (size_t l = 0; l < layers; ++l) {
        update(net.weights[l], wState[l], config, correct1, correct2);
        update(net.biases[l], bState[l], config, correct1, correct2);
      }
    }
  }
  return meanCrossEntropy(net, x, y, rows);
}

void predictDenseCpu(const DenseNet &net, const double *x, size_t rows, double *probs) {
  const size_t chunk = 4096, features = net.sizes.front(), classes = net.sizes.back();
  Workspace ws(net, std::min(chunk, std::max<size_t>(rows, 1)));
  for (size_t start = 0; start < rows; start += chunk) {
    size_t m = std::min(chunk, rows - start);
    forwardLogits(net, x + start * features, m, ws);
    double *out = ws.acts.back().data();
    softmaxRows(out, m, classes);
    std::copy(out, out + m * classes, probs + start * classes);
  }
}

double meanCrossEntropy(const DenseNet &net, const double *x, const int32_t *y, size_t rows) {
  if (rows == 0)
    return 0.0;
  const size_t chunk = 4096, features = net.sizes.front(), classes = net.sizes.back();
  Workspace ws(net, std::min(chunk, rows));
  double total = 0.0;
  for (size_t start = 0; start < rows; start += chunk) {
    size_t m = std::min(chunk, rows - start);
    forwardLogits(net, x + start * features, m, ws);
    const double *z = ws.acts.back().data();
    for (size_t r = 0; r < m; ++r) {
      const double *row = z + r * classes;
      double top = *std::max_element(row, row + classes);
      double sum = 0.0;
      for (size_t j = 0; j < classes; ++j)
        sum += std::exp(row[j] - top);
      total += std::log(sum) + top - row[y[start + r]];
    }
  }
  return total / static_cast<double>(rows);
}

} // namespace mlpc::ops::model
