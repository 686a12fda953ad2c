using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests.Infrastructure;

public sealed record LogLine(LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message}{(Exception is null ? "" : " — " + Exception.GetType().Name + ": " + Exception.Message)}";
}

/// Keeps everything the host logs in memory, so tests can assert on it (e.g. no errors) and the
/// test output stays quiet.
public sealed class LogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    /// How many lines have been logged so far: a mark for <see cref="AtLeast(LogLevel, int)"/>.
    public int Count => _lines.Count;

    /// The lines of at least <paramref name="level"/>, all of them or those after <paramref name="mark"/>.
    public IReadOnlyList<LogLine> AtLeast(LogLevel level, int mark = 0) => [.. _lines.Skip(mark).Where(l => l.Level >= level)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new LogLine(logLevel, category, formatter(state, exception), exception));
    }
}
