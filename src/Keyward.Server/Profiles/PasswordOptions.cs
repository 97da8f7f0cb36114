using Keyward.Profiles;

namespace Keyward.Server.Profiles;

/// <summary>Passwords people choose (section <c>Keyward:Passwords</c>).</summary>
public sealed class PasswordOptions
{
    /// <summary>
    /// An organisation's own list of passwords to refuse, added to the built-in one: a UTF-8 text file, one password
    /// per line (blank lines and lines starting with <c>#</c> skipped), relative to the working directory. Variations
    /// are refused as for the built-in list (docs/pfx.md). A file that is set but cannot be read stops the server.
    /// </summary>
    public string? DenyListFile { get; set; }

    /// <summary>The built-in list, plus <see cref="DenyListFile"/> when set. Read once, at start.</summary>
    /// <exception cref="IOException">The file is set but cannot be read (missing, unreadable).</exception>
    public CommonPasswords Load() =>
        string.IsNullOrWhiteSpace(DenyListFile)
            ? CommonPasswords.BuiltIn
            : CommonPasswords.BuiltIn.With(File.ReadLines(Path.GetFullPath(DenyListFile)));
}
