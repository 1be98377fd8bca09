namespace DeepLite.Losses;

/// <summary>How per-element (or per-sample) losses combine into one number.</summary>
public enum Reduction
{
    /// <summary>The average (over elements for MSE, over samples for cross-entropy), as PyTorch and Keras default to.</summary>
    Mean,
    /// <summary>The sum.</summary>
    Sum,
}
