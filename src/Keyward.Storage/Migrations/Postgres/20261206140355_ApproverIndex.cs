using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ApproverIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_RequestApprovals_ApproverId_RequestId",
                table: "RequestApprovals",
                columns: new[] { "ApproverId", "RequestId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RequestApprovals_ApproverId_RequestId",
                table: "RequestApprovals");
        }
    }
}
