using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

// What an op computed with besides its inputs' values and its output's shape, kept on its graph node (GradNode.Attributes)
// so that a traced graph can be written out by the ONNX exporter. Autograd never reads them: each backward has its own
// closure. Ops whose output shape says everything (Reshape, BroadcastTo, SumTo, the elementwise maps) carry none.

/// <summary>One number: AddScalar's and MultiplyScalar's s, Pow's exponent, LeakyRelu's slope, CausalSoftmax's scale.</summary>
internal sealed record ScalarAttributes(double Value);

/// <summary>Softplus's beta and threshold.</summary>
internal sealed record SoftplusAttributes(double Beta, double Threshold);

/// <summary>Clamp's bounds (either may be missing).</summary>
internal sealed record ClampAttributes(double? Min, double? Max);

/// <summary>The axis of Narrow, SliceBatch (axis 0) and Concat, and where Narrow and SliceBatch start.</summary>
internal sealed record AxisAttributes(int Axis, int Start = 0);

/// <summary>Permute's inverse permutation (result dimension <c>Inverse[i]</c> is input dimension i).</summary>
internal sealed record PermuteAttributes(int[] Inverse);

/// <summary>Gather's and IndexSelect's axis and indices.</summary>
internal sealed record IndexAttributes(int Axis, IndexTensor Index);

/// <summary>CausalAttention's number of heads and the scale of its scores.</summary>
internal sealed record CausalAttentionAttributes(int Heads, double Scale);

/// <summary>Whether MatMul read either operand transposed.</summary>
internal sealed record MatMulAttributes(bool TransposeA, bool TransposeB);

/// <summary>LayerNorm's normalized row length (the product of the normalized dimensions) and epsilon.</summary>
internal sealed record LayerNormAttributes(int Columns, double Epsilon);

/// <summary>The geometry of a convolution (Conv2D, Conv2DRelu) or a max pooling.</summary>
internal sealed record GeometryAttributes(ConvGeometry Geometry);

/// <summary>An average pooling's geometry with its bottom and right padding, ceil mode and count_include_pad.</summary>
internal sealed record AvgPoolAttributes(ConvGeometry Geometry, int PadBottom, int PadRight, bool CeilMode, bool CountIncludePad);

/// <summary>Where's condition, or MaskedFill's mask and fill value.</summary>
internal sealed record MaskAttributes(BoolTensor Mask, double Value);
