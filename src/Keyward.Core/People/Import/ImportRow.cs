namespace Keyward.People.Import;

/// <summary>One person as a file states them, before checking. <see cref="Location"/> names the row for error messages.</summary>
public sealed record ImportRow(string Location, string? LogonName, string? Name, string? Email, string? Group, string? Enabled);

/// <summary>What an import changed.</summary>
public sealed record ImportSummary(int Created, int Updated, int Unchanged, int GroupsCreated);
