// The enums the providers validate against are the spec's: compared to openapi.json here, and
// to the generated types at compile time (infra/supabase/spec.ts).
import { INSTANCE_SIZES, REGIONS, REQUIRED_SERVICES, TERMINAL_PROJECT_STATUSES } from "../../infra/supabase/spec";

interface Schema {
  enum?: string[];
  properties?: Record<string, Schema>;
  oneOf?: Schema[];
  items?: Schema;
}

const spec = require("../../infra/supabase/openapi.json") as {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { parameters?: { name: string; schema: Schema }[] }>>;
};

const createBody = spec.components.schemas.V1CreateProjectBody;

describe("spec enums", () => {
  it("regions are the region_selection {type: specific} codes", () => {
    const specific = createBody.properties!.region_selection.oneOf!.find((option) => option.properties!.type.enum![0] === "specific");
    expect([...REGIONS]).toEqual(specific!.properties!.code.enum);
    expect([...REGIONS]).toEqual(createBody.properties!.region.enum);
  });

  it("instance sizes are desired_instance_size", () => {
    expect([...INSTANCE_SIZES]).toEqual(createBody.properties!.desired_instance_size.enum);
  });

  it("terminal statuses and health services exist in the spec", () => {
    const statuses = spec.components.schemas.V1ProjectWithDatabaseResponse.properties!.status.enum!;
    expect(statuses).toEqual(expect.arrayContaining([...TERMINAL_PROJECT_STATUSES]));
    const services = spec.paths["/v1/projects/{ref}/health"].get.parameters!.find((parameter) => parameter.name === "services")!;
    expect(services.schema.items!.enum).toEqual(expect.arrayContaining([...REQUIRED_SERVICES]));
  });
});
