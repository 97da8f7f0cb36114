using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ProfilesRaiseAccessEpoch : Migration
    {
        private static readonly string[] Changes = ["INSERT", "UPDATE", "DELETE"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A credential profile says who may request, validate, collect and receive: a change to one raises the access
            // epoch like a change to a role (docs/architecture.md, "Resolving the caller"), so profiles are cached with it.
            foreach (var change in Changes)
            {
                migrationBuilder.Sql($"CREATE TRIGGER \"AccessEpoch_CredentialProfiles_{change}\" AFTER {change} ON \"CredentialProfiles\" BEGIN UPDATE \"AccessEpochs\" SET \"Value\" = \"Value\" + 1 WHERE \"Id\" = 1; END;");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var change in Changes)
            {
                migrationBuilder.Sql($"DROP TRIGGER \"AccessEpoch_CredentialProfiles_{change}\";");
            }
        }
    }
}
