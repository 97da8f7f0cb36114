using System.Collections.Concurrent;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Tokens.Pkcs11;

/// <summary>
/// Read-write sessions on one token, each used by one thread at a time, and the user's login on that token.
/// </summary>
/// <remarks>
/// <para>A PKCS#11 session must not run two operations at once, and opening one costs a round trip on a network HSM,
/// so sessions are pooled: a caller rents one, runs its operation, and gives it back. Up to
/// <see cref="MaxIdleSessions"/> are kept; more are opened under load and closed when they come back.</para>
/// <para>The login belongs to the application, not to a session, and PKCS#11 logs the user out when the
/// application's last session on the token closes. An extra session that no operation uses (the anchor) keeps it.
/// When the token forgets the login or a session (an HSM restart, a network HSM failing over), the operation is
/// tried once more on a new session after a new login.</para>
/// <para>Thread-safe. The PIN is kept as UTF-8 bytes for the new login and zeroed on <see cref="Dispose"/>.</para>
/// </remarks>
internal sealed class SessionPool : IDisposable
{
    private const int MaxIdleSessions = 16;

    private readonly ISlot _slot;
    private readonly byte[] _pin;
    private readonly ConcurrentBag<ISession> _idle = [];
    private readonly object _loginGate = new();
    private ISession? _anchor;
    private int _idleCount;
    private volatile bool _disposed;

    /// <summary>Opens the anchor session and logs in.</summary>
    /// <exception cref="Pkcs11Exception">The token refused the PIN (<c>CKR_PIN_INCORRECT</c>, <c>CKR_PIN_LOCKED</c>, ...).</exception>
    public SessionPool(ISlot slot, byte[] pin)
    {
        _slot = slot;
        _pin = pin;
        Login();
    }

    /// <summary>Runs <paramref name="operation"/> on a session of its own, logged in as the user.</summary>
    public T Run<T>(Func<ISession, T> operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (var attempt = 0; ; attempt++)
        {
            var session = Rent();
            var healthy = true;
            try
            {
                return operation(session);
            }
            catch (Pkcs11Exception ex) when (attempt == 0 && IsLoginOrSessionLost(ex.RV))
            {
                healthy = false;
                Login();
            }
            catch (Pkcs11Exception ex) when (IsLoginOrSessionLost(ex.RV))
            {
                healthy = false;
                throw;
            }
            finally
            {
                if (healthy)
                {
                    Return(session);
                }
                else
                {
                    Close(session);
                }
            }
        }
    }

    /// <summary>Runs <paramref name="operation"/> on a session of its own, logged in as the user.</summary>
    public void Run(Action<ISession> operation) => Run(session =>
    {
        operation(session);
        return true;
    });

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            Close(session);
        }

        lock (_loginGate)
        {
            // Closing the last session logs the user out; an explicit C_Logout would also log out other protectors
            // of this process that share the token.
            if (_anchor is not null)
            {
                Close(_anchor);
                _anchor = null;
            }
        }

        CryptographicOperations.ZeroMemory(_pin);
    }

    private static bool IsLoginOrSessionLost(CKR rv) =>
        rv is CKR.CKR_USER_NOT_LOGGED_IN or CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED;

    private static void Close(ISession session)
    {
        try
        {
            session.CloseSession();
        }
        catch (Pkcs11Exception)
        {
            // Already gone on the token's side (that is usually why it is being closed).
        }
    }

    private void Login()
    {
        lock (_loginGate)
        {
            if (_anchor is not null)
            {
                Close(_anchor);
            }

            _anchor = _slot.OpenSession(SessionType.ReadWrite);
            try
            {
                _anchor.Login(CKU.CKU_USER, _pin);
            }
            catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
            {
                // Another protector of this process is logged in to the same token: the login is shared.
            }
            catch (Pkcs11Exception)
            {
                Close(_anchor);
                _anchor = null;
                throw;
            }
        }
    }

    private ISession Rent()
    {
        if (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }

        return _slot.OpenSession(SessionType.ReadWrite);
    }

    private void Return(ISession session)
    {
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= MaxIdleSessions)
        {
            _idle.Add(session);
            return;
        }

        Interlocked.Decrement(ref _idleCount);
        Close(session);
    }
}
