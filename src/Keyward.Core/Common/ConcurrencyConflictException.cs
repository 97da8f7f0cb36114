namespace Keyward.Common;

/// <summary>
/// Thrown by the store when a row guarded by a concurrency token changed since it was read.
/// Use cases turn it into a <see cref="ErrorKind.Conflict"/> error; it never reaches a client as a 500.
/// </summary>
public sealed class ConcurrencyConflictException : Exception
{
    public ConcurrencyConflictException()
        : base("The record was changed by someone else.")
    {
    }

    public ConcurrencyConflictException(string message)
        : base(message)
    {
    }

    public ConcurrencyConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
