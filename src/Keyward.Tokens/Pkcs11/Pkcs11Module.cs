using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Tokens.Pkcs11;

/// <summary>
/// One loaded PKCS#11 module (shared library), shared by every protector of the process that names the same file.
/// </summary>
/// <remarks>
/// A PKCS#11 library is initialised once per process (<c>C_Initialize</c>) and finalised once (<c>C_Finalize</c>),
/// and finalising it ends every session of every user in the process. So instances are reference-counted: the
/// module is finalised when the last protector using it is disposed. Thread-safe.
/// </remarks>
internal sealed class Pkcs11Module
{
    private static readonly Dictionary<string, Pkcs11Module> Loaded = new(StringComparer.Ordinal);
    private static readonly object LoadGate = new();
    private static bool _resolverRegistered;

    private int _references;

    private Pkcs11Module(string path, IPkcs11Library library)
    {
        Path = path;
        Library = library;
    }

    public static Pkcs11InteropFactories Factories { get; } = new();

    public string Path { get; }

    public IPkcs11Library Library { get; }

    /// <summary>Loads (or shares) the module at <paramref name="path"/>; pair with <see cref="Release"/>.</summary>
    public static Pkcs11Module Acquire(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        lock (LoadGate)
        {
            RegisterLibdlResolver();
            if (!Loaded.TryGetValue(fullPath, out var module))
            {
                if (!File.Exists(fullPath))
                {
                    throw new FileNotFoundException($"The PKCS#11 module '{fullPath}' does not exist.", fullPath);
                }

                module = new Pkcs11Module(fullPath, Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, fullPath, AppType.MultiThreaded));
                Loaded[fullPath] = module;
            }

            module._references++;
            return module;
        }
    }

    /// <summary>
    /// The tokens present now, with their information. A token that goes away between the slot list and the question
    /// about it (a card pulled, a token folder deleted) answers an error instead of its information; it is left out and
    /// counted in <paramref name="unreadable"/>, so that one vanishing token does not fail the search for another.
    /// </summary>
    public IReadOnlyList<(ISlot Slot, ITokenInfo Info)> PresentTokens(out int unreadable)
    {
        var tokens = new List<(ISlot, ITokenInfo)>();
        unreadable = 0;
        foreach (var slot in Library.GetSlotList(SlotsType.WithTokenPresent))
        {
            try
            {
                tokens.Add((slot, slot.GetTokenInfo()));
            }
            catch (Pkcs11Exception e) when (e.RV is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_DEVICE_REMOVED or CKR.CKR_SLOT_ID_INVALID or CKR.CKR_DEVICE_ERROR or CKR.CKR_GENERAL_ERROR)
            {
                unreadable++;
            }
        }

        return tokens;
    }

    /// <summary>Gives back one reference; the last one finalises and unloads the module.</summary>
    public void Release()
    {
        lock (LoadGate)
        {
            if (--_references > 0)
            {
                return;
            }

            Loaded.Remove(Path);
            Library.Dispose();
        }
    }

    /// <summary>
    /// Pkcs11Interop 5.3 loads modules through <c>dlopen</c> from a library it names <c>libdl</c>. glibc 2.34 and later
    /// (Debian 12 has 2.36) ship only <c>libdl.so.2</c>, so without this every load fails with "Unable to load
    /// shared library 'libdl'". Registered once per process, before the first Pkcs11Interop call.
    /// </summary>
    private static void RegisterLibdlResolver()
    {
        if (_resolverRegistered)
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibdl);
        }
        catch (InvalidOperationException)
        {
            // The host registered its own resolver for Pkcs11Interop first; it is responsible for libdl then.
        }

        _resolverRegistered = true;
    }

    private static IntPtr ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == "libdl" && OperatingSystem.IsLinux()
            && (NativeLibrary.TryLoad("libdl.so.2", assembly, searchPath, out var handle) || NativeLibrary.TryLoad("libdl.so.2", out handle)))
        {
            return handle;
        }

        // Zero: let the runtime resolve it as usual.
        return IntPtr.Zero;
    }
}
