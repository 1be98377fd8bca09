namespace DeepLite.Autograd;

/// <summary>
/// Whether operations are recorded for backward, per thread. Recording is on by default;
/// <see cref="Disable"/> turns it off for a scope (evaluation, optimizer updates).
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    /// <summary>True when operations on tensors that require grad are being recorded on this thread.</summary>
    public static bool IsEnabled => !_disabled;

    /// <summary>
    /// Stops recording until the returned scope ends: <c>using (GradMode.Disable()) { ... }</c>.
    /// Results computed inside do not require grad and keep no graph.
    /// </summary>
    public static Scope Disable() => new(enabled: false);

    /// <summary>Turns recording on (or off) until the returned scope ends.</summary>
    public static Scope Set(bool enabled) => new(enabled);

    /// <summary>Runs <paramref name="action"/> without recording and returns its result.</summary>
    public static TResult NoGrad<TResult>(Func<TResult> action)
    {
        using var _ = Disable();
        return action();
    }

    /// <summary>Restores the previous recording state when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _previousDisabled;

        internal Scope(bool enabled)
        {
            _previousDisabled = _disabled;
            _disabled = !enabled;
        }

        /// <summary>Restores the state that was in force when the scope began.</summary>
        public void Dispose() => _disabled = _previousDisabled;
    }
}
