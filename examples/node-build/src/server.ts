import express from "express";

import { greeting } from "./greeting";

export const app = express();

app.get("/hello/:name", (req, res) => {
  res.json({ message: greeting(req.params.name) });
});

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8080);
  app.listen(port, () => console.log(`listening on ${port}`));
}
