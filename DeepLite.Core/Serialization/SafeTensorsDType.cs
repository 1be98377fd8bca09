namespace DeepLite.Serialization;

/// <summary>The element types of the safetensors format, under the names its header uses.</summary>
public enum SafeTensorsDType
{
    /// <summary>Boolean, one byte.</summary>
    BOOL,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE 754 half precision.</summary>
    F16,
    /// <summary>bfloat16: the upper half of an IEEE single.</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE 754 single precision.</summary>
    F32,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
    /// <summary>IEEE 754 double precision.</summary>
    F64,
}

/// <summary>Sizes and conversions of <see cref="SafeTensorsDType"/>.</summary>
public static class SafeTensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        _ => 8,
    };

    /// <summary>Whether values of this type can be loaded into float or double tensors (the floating-point types).</summary>
    public static bool IsFloatingPoint(this SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F32 or SafeTensorsDType.F64;

    /// <summary>The type DeepLite writes for tensors of <typeparamref name="T"/>: F32 for float, F64 for double.</summary>
    public static SafeTensorsDType Of<T>() =>
        typeof(T) == typeof(float) ? SafeTensorsDType.F32
        : typeof(T) == typeof(double) ? SafeTensorsDType.F64
        : throw new NotSupportedException($"safetensors files hold float or double tensors here, not {typeof(T).Name}.");

    /// <summary>Parses a header dtype string; null when it is not one of the format's names.</summary>
    public static SafeTensorsDType? Parse(string text)
    {
        foreach (var dtype in Enum.GetValues<SafeTensorsDType>())
            if (dtype.ToString() == text) return dtype;
        return null;
    }
}
