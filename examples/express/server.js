const express = require("express");

const app = express();
const todos = [{ id: 1, title: "measure the image", done: false }];

app.use(express.json());
app.get("/todos", (req, res) => res.json(todos));
app.post("/todos", (req, res) => {
  const todo = { id: todos.length + 1, title: String(req.body.title || ""), done: false };
  todos.push(todo);
  res.status(201).json(todo);
});

if (require.main === module) {
  const port = process.env.PORT || 3000;
  app.listen(port, () => console.log(`listening on ${port}`));
}

module.exports = app;
