namespace DeepLite.Experiments.Framework;

/// <summary>How faithful and how long a run is.</summary>
public enum Preset
{
    /// <summary>Same experiments and models, fewer epochs and samples: all of HW1 in minutes (CI).</summary>
    Quick,
    /// <summary>The report's settings, however long they take.</summary>
    Full,
}
