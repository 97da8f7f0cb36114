using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace Keyward.Storage.Tests.Infrastructure;

/// <summary>How PostgreSQL planned the statements prepared on a unit of work's own connection (<c>pg_prepared_statements</c>).</summary>
internal static class PreparedPlans
{
    /// <summary>
    /// The statements prepared on <paramref name="db"/>'s connection whose text contains <paramref name="text"/>, each
    /// with how many of its runs used the plan made for any value (generic) and how many a plan made for their values (custom).
    /// </summary>
    public static async Task<List<(int Generic, int Custom, string Statement)>> ReadAsync(KeywardDbContext db, string text)
    {
        var rows = await db.Database
            .SqlQueryRaw<string>("""SELECT "generic_plans" || ' ' || "custom_plans" || ' ' || "statement" AS "Value" FROM "pg_prepared_statements" """)
            .ToListAsync();
        return rows
            .Select(row => row.Split(' ', 3))
            .Where(parts => parts[2].Contains(text, StringComparison.Ordinal))
            .Select(parts => (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]))
            .ToList();
    }
}
