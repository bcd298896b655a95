// Activation codes shared with lib/native (ACTIVATIONS there lists them in this order).
#pragma once
#include <cstddef>

namespace tn {
enum Activation { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKYRELU = 3, ACT_SIGMOID = 4, ACT_ELU = 5 };
void applyActivation(float* y, size_t count, int act, float alpha);
}  // namespace tn
