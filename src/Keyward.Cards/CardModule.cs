using Keyward.Tokens.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards;

/// <summary>
/// A card's PKCS#11 module (the vendor's shared library), loaded for this process: lists the tokens present and
/// opens one as a <see cref="Card"/>.
/// </summary>
/// <remarks>
/// The library is loaded once per process and shared, reference-counted, with every other user of the same file
/// (<c>Pkcs11Module</c> in Keyward.Tokens), because <c>C_Finalize</c> ends every session of the process. Dispose the
/// module after the cards opened from it. Not thread-safe.
/// </remarks>
public sealed class CardModule : IDisposable
{
    private readonly Pkcs11Module _module;
    private bool _disposed;

    private CardModule(Pkcs11Module module)
    {
        _module = module;
    }

    /// <summary>The module file's full path.</summary>
    public string Path => _module.Path;

    /// <summary>Loads the PKCS#11 module at <paramref name="path"/>.</summary>
    /// <exception cref="CardException"><see cref="CardProblem.NoModule"/>: the file is missing or is not a PKCS#11 module.</exception>
    public static CardModule Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return new CardModule(Pkcs11Module.Acquire(path));
        }
        catch (FileNotFoundException ex)
        {
            throw new CardException(CardProblem.NoModule, $"The PKCS#11 module '{path}' does not exist; give the path of the card's PKCS#11 library.", ex);
        }
        catch (Exception ex) when (ex is UnmanagedException or Pkcs11Exception or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            throw new CardException(CardProblem.NoModule, $"'{path}' could not be loaded as a PKCS#11 module ({ex.GetType().Name}); give the path of the card's PKCS#11 library.", ex);
        }
    }

    /// <summary>The tokens present, one per slot that has one, in slot order.</summary>
    public IReadOnlyList<TokenDescription> Tokens()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return [.. Present().Select(p => p.Token)];
    }

    /// <summary>
    /// Opens one token: the only one present when <paramref name="serialOrLabel"/> is null, else the token whose
    /// serial number equals it, else the one whose label equals it (both exact, after trimming PKCS#11's padding).
    /// </summary>
    /// <remarks>The card is opened with a read-write session and nobody logged in: call <see cref="Card.Login"/> or <see cref="Card.Initialize"/> next.</remarks>
    /// <exception cref="CardException">
    /// <see cref="CardProblem.NoToken"/> (none present, or none matches; the message lists what is present) or
    /// <see cref="CardProblem.AmbiguousToken"/> (several present and none named, or a label shared by several).
    /// </exception>
    public Card Open(string? serialOrLabel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var present = Present();
        var chosen = Choose(present.Select(p => p.Token).ToList(), serialOrLabel);
        var slot = present.Single(p => ReferenceEquals(p.Token, chosen)).Slot;
        return Card.Open(this, slot, chosen);
    }

    /// <summary>The choice rule of <see cref="Open"/>, apart from the token so it can be tested on its own.</summary>
    internal static TokenDescription Choose(IReadOnlyList<TokenDescription> present, string? serialOrLabel)
    {
        if (present.Count == 0)
        {
            throw new CardException(CardProblem.NoToken, "No token is present in any slot of the module; insert the card.");
        }

        if (serialOrLabel is null)
        {
            return present.Count == 1
                ? present[0]
                : throw new CardException(CardProblem.AmbiguousToken, $"Several tokens are present; name one by serial or label: {List(present)}.");
        }

        var name = serialOrLabel.Trim();
        if (name.Length == 0)
        {
            throw new ArgumentException("A token is named by a serial or label that is not blank, or by null for the only token.", nameof(serialOrLabel));
        }

        var bySerial = present.Where(t => t.Serial == name).ToList();
        if (bySerial.Count == 1)
        {
            return bySerial[0];
        }

        var byLabel = bySerial.Count > 1 ? bySerial : present.Where(t => t.Label == name).ToList();
        return byLabel.Count switch
        {
            1 => byLabel[0],
            0 => throw new CardException(CardProblem.NoToken, $"No token has the serial or label '{name}'; present: {List(present)}."),
            _ => throw new CardException(CardProblem.AmbiguousToken, $"Several tokens answer to '{name}'; name one by serial: {List(byLabel)}."),
        };
    }

    /// <summary>Gives back this process's reference to the module; the last one unloads it.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _module.Release();
        }
    }

    internal Pkcs11Module Module
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _module;
        }
    }

    private static string List(IEnumerable<TokenDescription> tokens) => string.Join(", ", tokens.Select(t => t.ToString()));

    private List<(ISlot Slot, TokenDescription Token)> Present() =>
        Pkcs11Errors.Run(
            () => _module.PresentTokens(out _).Select(t => (t.Slot, TokenDescription.From(t.Info))).ToList(),
            "listing the tokens");
}
