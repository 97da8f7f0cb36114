namespace Keyward.Cli.Importing;

/// <summary>One row as the file holds it: its bytes, its place (CSV line or JSON item number), and whether it is blank.</summary>
internal readonly record struct SourceRow(byte[] Bytes, long Position, bool Blank);
