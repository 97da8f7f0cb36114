using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AuditSubjectIndexCarriesAction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_SubjectId_Sequence",
                table: "AuditEvents");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_SubjectId_Sequence_Action",
                table: "AuditEvents",
                columns: new[] { "SubjectId", "Sequence", "Action" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_SubjectId_Sequence_Action",
                table: "AuditEvents");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_SubjectId_Sequence",
                table: "AuditEvents",
                columns: new[] { "SubjectId", "Sequence" });
        }
    }
}
