using System.Security.Cryptography;
using Keyward.Crypto.Protection;
using Keyward.Server.Hosting;
using Keyward.Tokens.Protection;

namespace Keyward.Server.KeyArchive;

/// <summary>Opens the configured key protector once, at start-up.</summary>
internal static class KeyProtectorFactory
{
    /// <summary>The file, in the data folder, where a demo keeps its generated passphrase.</summary>
    public const string DemoPassphraseFile = "demo-keystore-passphrase.txt";

    /// <exception cref="InvalidOperationException">The protector is not configured well enough to open; the message says what is missing.</exception>
    public static IKeyProtector Open(KeywardServerOptions options)
    {
        var settings = options.KeyProtector;
        switch (settings.Kind)
        {
            case KeyProtectorKind.Software:
                var passphrase = settings.Passphrase ?? Environment.GetEnvironmentVariable("KEYWARD_KEYSTORE_PASSPHRASE") ?? DemoPassphrase(options);
                if (string.IsNullOrEmpty(passphrase))
                {
                    throw new InvalidOperationException(
                        "The key store needs a passphrase: set KEYWARD_KEYSTORE_PASSPHRASE (or Keyward:KeyProtector:Passphrase), or use --demo for a generated one.");
                }

                try
                {
                    return SoftwareKeyStore.OpenOrCreate(Path.Combine(options.DataDirectory, "keystore.json"), passphrase);
                }
                catch (KeyArchiveException ex)
                {
                    throw new InvalidOperationException($"The key store cannot be opened: {ex.Message}", ex);
                }

            case KeyProtectorKind.Pkcs11:
                var pin = settings.Pin ?? Environment.GetEnvironmentVariable("KEYWARD_PKCS11_PIN");
                if (string.IsNullOrEmpty(settings.ModulePath) || string.IsNullOrEmpty(settings.TokenLabel) || string.IsNullOrEmpty(pin))
                {
                    throw new InvalidOperationException(
                        "The PKCS#11 key protector needs Keyward:KeyProtector:ModulePath, Keyward:KeyProtector:TokenLabel and a user PIN (KEYWARD_PKCS11_PIN).");
                }

                try
                {
                    return Pkcs11KeyProtector.Open(new Pkcs11KeyProtectorOptions
                    {
                        ModulePath = settings.ModulePath,
                        TokenLabel = settings.TokenLabel,
                        UserPin = pin,
                        KeyLabelPrefix = settings.LabelPrefix,
                    });
                }
                catch (Exception ex) when (ex is KeyArchiveException or ArgumentException or DllNotFoundException or Net.Pkcs11Interop.Common.Pkcs11Exception or Net.Pkcs11Interop.Common.UnmanagedException)
                {
                    throw new InvalidOperationException($"The PKCS#11 key protector cannot be opened ({settings.ModulePath}, token '{settings.TokenLabel}'): {ex.Message}", ex);
                }

            default:
                throw new InvalidOperationException($"Unknown key protector '{settings.Kind}'.");
        }
    }

    /// <summary>
    /// With <c>--demo</c> and no passphrase configured, the demo makes one and keeps it beside the key store —
    /// convenient, and exactly as safe as a demo needs. The start-up banner says so.
    /// </summary>
    private static string? DemoPassphrase(KeywardServerOptions options)
    {
        // A demo data folder keeps its passphrase: administrative commands (e.g. archive rotate) use it too.
        var path = Path.Combine(options.DataDirectory, DemoPassphraseFile);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        if (!options.Demo)
        {
            return null;
        }

        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(path, file)))
        {
            writer.Write(generated);
        }

        options.GeneratedDemoPassphrase = true;
        return generated;
    }
}
