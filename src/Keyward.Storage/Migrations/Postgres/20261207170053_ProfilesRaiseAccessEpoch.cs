using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ProfilesRaiseAccessEpoch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A credential profile says who may request, validate, collect and receive: a change to one raises the access
            // epoch like a change to a role (docs/architecture.md, "Resolving the caller"), so profiles are cached with it.
            migrationBuilder.Sql("CREATE TRIGGER \"AccessEpoch_CredentialProfiles\" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \"CredentialProfiles\" FOR EACH STATEMENT EXECUTE FUNCTION keyward_raise_access_epoch();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER \"AccessEpoch_CredentialProfiles\" ON \"CredentialProfiles\";");
        }
    }
}
