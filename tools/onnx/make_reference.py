"""Builds small ONNX models with onnx.helper, runs them with onnxruntime on fixed inputs, and writes
models, inputs and outputs to tests/data/onnx-ref/ (checked by tests/onnx_import.rs).

For each model NAME: NAME.onnx, NAME.input.pb and NAME.output.pb (TensorProtos; the input holds a
batch of 2 samples). Weights and inputs come from numpy's default_rng with fixed seeds, so reruns
write the same files (given the pinned versions in tools/onnx/requirements.txt).

Usage: tools/onnx/setup_venv.sh && .cache/onnx/venv/bin/python tools/onnx/make_reference.py
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "onnx-ref"))


class Graph:
    """A tiny builder: nodes in order, initializers from numpy, one image input, one output."""

    def __init__(self, name: str, shape: list, seed: int):
        self.name = name
        self.shape = shape
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def const(self, name: str, value) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, name: str, shape, scale: float = 0.5) -> str:
        return self.const(name, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    def node(self, op: str, inputs: list, name: str | None = None, **attrs) -> str:
        self.count += 1
        name = name or f"{op.lower()}{self.count}"
        out = f"{name}_out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def conv(self, x: str, cin: int, cout: int, k: int, name: str, group: int = 1, bias: bool = True, **attrs) -> str:
        w = self.weight(f"{name}.W", (cout, cin // group, k, k), scale=1.0 / np.sqrt(cin // group * k * k))
        ins = [x, w] + ([self.weight(f"{name}.B", (cout,), 0.1)] if bias else [])
        return self.node("Conv", ins, name, kernel_shape=[k, k], group=group, **attrs)

    def bn(self, x: str, c: int, name: str) -> str:
        ins = [
            x,
            self.const(f"{name}.scale", (1 + 0.2 * self.rng.standard_normal(c)).astype(np.float32)),
            self.const(f"{name}.B", (0.1 * self.rng.standard_normal(c)).astype(np.float32)),
            self.const(f"{name}.mean", (0.1 * self.rng.standard_normal(c)).astype(np.float32)),
            self.const(f"{name}.var", (0.5 + self.rng.random(c)).astype(np.float32)),
        ]
        return self.node("BatchNormalization", ins, name, epsilon=1e-3)

    def save(self, out: str, opset: int = 17) -> None:
        inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", *self.shape])

        def model_with(out_shape):
            outp = helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)
            graph = helper.make_graph(self.nodes, self.name, [inp], [outp], initializer=self.inits)
            m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="convlens-make_reference")
            m.ir_version = 8
            return m

        x = np.random.default_rng(1000 + len(self.name)).random((2, *self.shape), dtype=np.float32)
        sess = ort.InferenceSession(model_with(None).SerializeToString(), providers=["CPUExecutionProvider"])
        (y,) = sess.run(None, {"image": x})
        model = model_with(["N", *y.shape[1:]])
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, os.path.join(OUT, f"{self.name}.onnx"))
        for kind, arr in (("input", x), ("output", y)):
            with open(os.path.join(OUT, f"{self.name}.{kind}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(arr, kind).SerializeToString())
        print(f"{self.name}: {len(self.nodes)} nodes, output {list(y.shape)}")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)

    # A LeNet-like digit-sized model with only the layer types convlens always had (the page's
    # end-to-end test opens it): conv, relu, max pooling, Flatten, Dropout, Gemm, Softmax.
    g = Graph("lenet", [1, 28, 28], 9)
    x = g.node("Relu", [g.conv("image", 1, 6, 5, "conv1", pads=[2, 2, 2, 2])], "relu1")
    x = g.node("MaxPool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Relu", [g.conv(x, 6, 12, 5, "conv2", pads=[2, 2, 2, 2])], "relu2")
    x = g.node("MaxPool", [x], "pool2", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Dropout", [g.node("Flatten", [x], "flat")], "drop")
    x = g.node("Gemm", [x, g.weight("fc.W", (10, 12 * 7 * 7), 0.05), g.weight("fc.B", (10,), 0.1)], "fc", transB=1)
    g.save(g.node("Softmax", [x], "prob", axis=1))

    # Conv + BatchNormalization + Relu, max pooling, Flatten, Gemm (transB=1), Softmax.
    g = Graph("conv_bn_relu", [3, 12, 12], 1)
    x = g.conv("image", 3, 8, 3, "conv1", pads=[1, 1, 1, 1])
    x = g.node("Relu", [g.bn(x, 8, "bn1")], "relu1")
    x = g.node("MaxPool", [x], "pool1", kernel_shape=[2, 2], strides=[2, 2])
    x = g.node("Flatten", [x], "flat")
    x = g.node("Gemm", [x, g.weight("fc.W", (10, 8 * 6 * 6), 0.05), g.weight("fc.B", (10,), 0.1)], "fc", transB=1)
    g.save(g.node("Softmax", [x], "prob", axis=1))

    # Depthwise (group = channels) and pointwise convolutions, Clip(0, 6) = ReLU6, stride 2, SAME_UPPER.
    g = Graph("depthwise", [4, 10, 10], 2)
    x = g.conv("image", 4, 4, 3, "dw", group=4, strides=[2, 2], pads=[1, 1, 1, 1])
    x = g.node("Clip", [x, g.const("zero", np.float32(0)), g.const("six", np.float32(6))], "relu6a")
    x = g.conv(x, 4, 6, 1, "pw", bias=False)
    x = g.node("Clip", [x, g.const("zero2", np.float32(0)), g.const("six2", np.float32(6))], "relu6b")
    x = g.conv(x, 6, 6, 3, "dw2", group=6, auto_pad="SAME_UPPER")
    g.save(x)

    # Residual: conv, relu, conv, Add with the skip, relu, GlobalAveragePool, Flatten, Gemm.
    g = Graph("residual", [4, 8, 8], 3)
    skip = g.node("Relu", [g.conv("image", 4, 4, 3, "stem", pads=[1, 1, 1, 1])], "stem_relu")
    x = g.node("Relu", [g.conv(skip, 4, 4, 3, "c1", pads=[1, 1, 1, 1])], "c1_relu")
    x = g.conv(x, 4, 4, 3, "c2", pads=[1, 1, 1, 1])
    x = g.node("Relu", [g.node("Add", [skip, x], "residual_add")], "out_relu")
    x = g.node("GlobalAveragePool", [x], "gap")
    x = g.node("Flatten", [x], "flat")
    g.save(g.node("Gemm", [x, g.weight("fc.W", (5, 4)), g.weight("fc.B", (5,), 0.1)], "fc", transB=1))

    # Concat of two branches, average pooling with padding, Flatten, MatMul + Add (a linear layer).
    g = Graph("concat", [2, 9, 9], 4)
    a = g.node("Relu", [g.conv("image", 2, 3, 3, "branch_a", pads=[1, 1, 1, 1])], "relu_a")
    b = g.node("Relu", [g.conv("image", 2, 5, 1, "branch_b")], "relu_b")
    x = g.node("Concat", [a, b], "cat", axis=1)
    x = g.node("AveragePool", [x], "avg", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    x = g.node("Flatten", [x], "flat")
    x = g.node("MatMul", [x, g.weight("fc.W", (8 * 5 * 5, 6), 0.1)], "fc")
    g.save(g.node("Add", [x, g.weight("fc.B", (6,), 0.1)], "fc_bias"))

    # Gemm with alpha, beta and an untransposed B, Relu, Gemm with a [1, n] bias, Softmax (opset 11 default axis).
    g = Graph("gemm", [1, 4, 4], 5)
    x = g.node("Flatten", ["image"], "flat")
    x = g.node("Gemm", [x, g.weight("fc1.W", (16, 12)), g.weight("fc1.B", (12,), 0.1)], "fc1", alpha=0.5, beta=2.0)
    x = g.node("Relu", [x], "relu")
    x = g.node("Gemm", [x, g.weight("fc2.W", (3, 12)), g.weight("fc2.B", (1, 3), 0.1)], "fc2", transB=1)
    x = g.node("Softmax", [x], "prob")
    g.save(x, opset=11)

    # Reshape [0, -1] (from a Constant node), MatMul + Add, Sigmoid, Dropout and Identity (elided).
    g = Graph("matmul_add", [2, 3, 3], 6)
    shape = g.node("Constant", [], "target_shape", value=numpy_helper.from_array(np.array([0, -1], np.int64)))
    x = g.node("Reshape", ["image", shape], "to_vector")
    x = g.node("MatMul", [x, g.weight("W", (18, 7))], "mm")
    x = g.node("Add", [g.weight("B", (1, 7), 0.1), x], "mm_bias")
    x = g.node("Dropout", [x], "drop")
    x = g.node("Identity", [x], "same")
    g.save(g.node("Sigmoid", [x], "sig"))

    # Clip with other bounds (min from a Constant node), HardSwish, AveragePool count_include_pad.
    g = Graph("clip_hardswish", [2, 6, 6], 7)
    x = g.conv("image", 2, 4, 3, "conv", pads=[1, 1, 1, 1])
    lo = g.node("Constant", [], "lo", value_float=-0.5)
    x = g.node("Clip", [x, lo, g.const("hi", np.float32(0.75))], "clip")
    x = g.node("HardSwish", [g.conv(x, 4, 4, 1, "conv2")], "hswish")
    x = g.node("AveragePool", [x], "avg", kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    g.save(x)

    # Reshape between images ([N, 8, 4, 4] -> [N, 2, 8, 8]), then a conv: a reshape layer.
    g = Graph("reshape", [2, 4, 4], 8)
    x = g.conv("image", 2, 8, 3, "conv1", pads=[1, 1, 1, 1])
    x = g.node("Reshape", [x, g.const("shape", np.array([-1, 2, 8, 8], np.int64))], "unfold")
    x = g.conv(x, 2, 3, 3, "conv2")
    g.save(g.node("Flatten", [x], "flat"))


if __name__ == "__main__":
    main()
