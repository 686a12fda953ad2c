using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class NeedAuthenticationIndexBesidePageIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Organizations_PartnerId_Status_NameNormalized_Id",
                table: "Organizations",
                columns: new[] { "PartnerId", "Status", "NameNormalized", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Organizations_PartnerId_Status_NameNormalized_Id",
                table: "Organizations");
        }
    }
}
