using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keyward.Server.Tests.Infrastructure;

/// <summary>
/// Every log entry a test server writes, behind the server's own filters, as the console would print it: the
/// message, then the exception with its stack trace when one is attached. Thread-safe.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly List<Entry> _entries = [];

    /// <summary>One log entry: its category, level, event id and text (message plus exception, if any).</summary>
    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Text, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId.Id}]: {Text}";
    }

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Adds this provider to a server's logging (for <see cref="DemoServer.StartAsync"/>).</summary>
    public void AddTo(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ILoggerProvider>(this);
    }

    /// <summary>Forgets what was captured so far (what starting the server logged, for instance).</summary>
    public void Clear()
    {
        lock (_entries)
        {
            _entries.Clear();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(Entry entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var text = formatter(state, exception);
            if (exception is not null)
            {
                text += Environment.NewLine + exception;
            }

            owner.Add(new Entry(category, logLevel, eventId, text, exception));
        }
    }
}
